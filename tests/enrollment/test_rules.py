"""GB 11643-1999 ID numbers, as the roster delivers them."""

from datetime import date

import pytest

from enrollment.rules import id_check_character, make_id_number, parse_id_number
from tongzhou_care.core.rules import RuleViolation

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),   # the standard's own worked example
    ("44052418800101001", "4"),
    ("11011219500101001", "6"),
])
def test_check_character(first17, check):
    assert id_check_character(first17) == check


@pytest.mark.parametrize("raw, value, sex, birth, area", [
    ("11010519491231002X", "11010519491231002X", "F", date(1949, 12, 31), "110105"),
    ("11010519491231002x", "11010519491231002X", "F", date(1949, 12, 31), "110105"),   # x means X
    (" 110112195001010016 ", "110112195001010016", "M", date(1950, 1, 1), "110112"),  # trimmed
    ("130682195602290017", "130682195602290017", "M", date(1956, 2, 29), "130682"),   # not Tongzhou: fine
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "F", date(1949, 12, 31), "110105"),  # full-width
])
def test_valid_numbers(raw, value, sex, birth, area):
    parsed = parse_id_number(raw, today=TODAY)
    assert (parsed.value, parsed.sex, parsed.birth_date, parsed.area_code) == (value, sex, birth, area)


@pytest.mark.parametrize("raw, code", [
    ("", "id_missing"),
    ("11010519491231002", "id_length"),
    ("1.10112E+17", "id_length"),
    ("11010519491231002Y", "id_characters"),
    ("110105194912310021", "id_check"),
    (make_id_number("110112", date(1955, 2, 28), 11)[:10] + "0229" + "0110", "id_birth_date"),
    ("110112195502300014", "id_birth_date"),                         # 30 February
    ("11010519491231002①", "id_check"),        # ① reads as 1: a plain check-character error, no crash
    ("11010519491231٣02X", "id_characters"),   # a digit to str.isdigit(), not an ID digit
    (make_id_number("110112", date(2027, 1, 1), 11), "id_birth_date"),  # in the future
    (make_id_number("110112", date(1899, 12, 31), 11), "id_birth_date"),
])
def test_invalid_numbers(raw, code):
    with pytest.raises(RuleViolation) as error:
        parse_id_number(raw, today=TODAY)
    assert error.value.code == code


def test_make_id_number_sex_follows_sequence_parity():
    assert parse_id_number(make_id_number("110112", date(1950, 5, 5), 13), today=TODAY).sex == "M"
    assert parse_id_number(make_id_number("110112", date(1950, 5, 5), 14), today=TODAY).sex == "F"


# --- Roster values -------------------------------------------------------------------------

from datetime import datetime  # noqa: E402

from enrollment.rules import (  # noqa: E402
    PersonSnapshot,
    RosterRecord,
    category_from_text,
    check_roster_row,
    clean_name,
    clean_text,
    duplicate_id_errors,
    id_number_from_cell,
    match_street,
    parse_date_value,
    street_index,
    parse_sex,
    roster_changes,
)
from tongzhou_care.core.streets import STREETS  # noqa: E402

STREET_NAMES = street_index({code: name for code, name, _ in STREETS})


@pytest.mark.parametrize("raw, cleaned", [
    ("  张三 ", "张三"), ("\u3000李四\u3000", "李四"), (None, ""), (12.0, "12"), ("a\tb", "a\tb"),
])
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize("raw, cleaned", [
    (" 张 三\u3000", "张三"), ("阿依古丽·买买提", "阿依古丽·买买提"), ("王\u3000秀 英", "王秀英"),
])
def test_clean_name(raw, cleaned):
    assert clean_name(raw) == cleaned


@pytest.mark.parametrize("raw, value", [
    ("2020-01-05", date(2020, 1, 5)), ("2020/1/5", date(2020, 1, 5)), ("2020.1.5", date(2020, 1, 5)),
    ("20200105", date(2020, 1, 5)), ("2020年1月5日", date(2020, 1, 5)), ("2020年1月", date(2020, 1, 1)),
    ("2020-01", date(2020, 1, 1)), ("202001", date(2020, 1, 1)), (43835, date(2020, 1, 5)),
    (43835.0, date(2020, 1, 5)), (datetime(2020, 1, 5, 0, 0), date(2020, 1, 5)),
    ("2020-01-05 00:00:00", date(2020, 1, 5)), ("", None), (None, None),
])
def test_parse_date_value(raw, value):
    assert parse_date_value(raw, field="出生日期") == value


@pytest.mark.parametrize("raw, code", [
    ("2020-02-30", "date_invalid"), ("20201301", "date_invalid"), ("去年", "date_format"),
    ("1/5/2020", "date_invalid"),
    (1950, "date_numeric"), (1950.01, "date_numeric"), (2020.3, "date_numeric"),   # not serials
])
def test_parse_date_value_refuses(raw, code):
    with pytest.raises(RuleViolation) as error:
        parse_date_value(raw, field="出生日期")
    assert error.value.code == code and "出生日期" in error.value.message


@pytest.mark.parametrize("raw, sex", [("男", "M"), ("女", "F"), (" 女 ", "F"), ("1", "M"), ("2", "F"),
                                      ("", None)])
def test_parse_sex(raw, sex):
    assert parse_sex(raw) == sex


def test_parse_sex_refuses():
    with pytest.raises(RuleViolation, match="应为“男”或“女”"):
        parse_sex("未知")


@pytest.mark.parametrize("raw, category", [
    ("独生子女死亡特别扶助", "death"), ("特别扶助（死亡）", "death"), ("死亡特扶", "death"),
    ("独生子女伤残特别扶助", "disability"), ("伤残特扶", "disability"), ("奖励扶助", "reward"),
    ("奖扶", "reward"),
])
def test_category_from_text(raw, category):
    assert category_from_text(raw) == category


@pytest.mark.parametrize("raw, code", [
    ("中仓街道", "110112001000"), ("中仓", "110112001000"), ("通州区中仓街道", "110112001000"),
    ("北京市通州区宋庄镇", "110112104000"), ("永顺地区", "110112120000"), ("永顺镇", "110112120000"),
    ("梨园地区", "110112121000"), ("梨园", "110112121000"), ("于家务回族乡", "110112209000"),
    ("于家务乡", "110112209000"), ("于家务", "110112209000"), ("九棵树街道办事处", "110112010000"),
    (" 潞 城 镇 ", "110112119000"), ("110112117000", "110112117000"), ("110112117", "110112117000"),
])
def test_match_street(raw, code):
    assert match_street(raw, STREET_NAMES) == code


@pytest.mark.parametrize("raw", ["朝阳区", "中关村街道", "", "110105001000"])
def test_match_street_refuses(raw):
    with pytest.raises(RuleViolation):
        match_street(raw, STREET_NAMES)


def test_id_number_stored_as_number_is_refused():
    with pytest.raises(RuleViolation, match="存成了数字"):
        id_number_from_cell(1.10112194901e17)
    with pytest.raises(RuleViolation, match="科学计数法"):
        id_number_from_cell("1.10112E+17")
    assert id_number_from_cell(" 11010519491231002x ") == "11010519491231002x"


GOOD = {"name": " 张 三", "id_number": "11010519491231002x", "sex": "女", "birth_date": "1949-12-31",
        "street": "中仓", "community": "运河社区", "address": "新华大街1号", "phone": "13900000000",
        "category": "死亡特扶", "assistance_start": "2020年1月", "spouse_id_number": ""}


def check(**changes):
    return check_roster_row({**GOOD, **changes}, streets=STREET_NAMES, eligible=frozenset({"death"}),
                            default_category=None, today=TODAY)


def test_valid_row_is_normalised():
    result = check()
    assert result.errors == () and result.skip_reason == ""
    r = result.record
    assert (r.name, r.id_number, r.sex, r.birth_date, r.street_code, r.category, r.assistance_start) == (
        "张三", "11010519491231002X", "F", date(1949, 12, 31), "110112001000", "death", date(2020, 1, 1))


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "姓名为空"),
    ({"id_number": "110105194912310021"}, "校验位错误"),
    ({"id_number": 1.10105194912e17}, "存成了数字"),
    ({"sex": "男"}, "性别“男”与身份证号（女）不符"),
    ({"birth_date": "1950-01-01"}, "出生日期1950-01-01与身份证号中的1949-12-31不符"),
    ({"street": "朝阳区"}, "不是通州区的街道或乡镇"),
    ({"category": "低保"}, "扶助类别“低保”无法识别"),
    ({"assistance_start": "2030-01-01"}, "晚于今天"),
    ({"spouse_id_number": "11010519491231002X"}, "配偶身份证号与本人相同"),
    ({"spouse_id_number": "110105194912310021"}, "配偶身份证号校验位错误"),       # says whose number
    ({"birth_date": "1950-01"}, "出生日期1950-01与身份证号中的1949-12-31不符"),
    ({"name": "张" * 51}, "姓名超过50个字"),
])
def test_row_errors(changes, message):
    result = check(**changes)
    assert result.record is None
    assert any(message in e for e in result.errors), result.errors


@pytest.mark.parametrize("birth", ["1949-12", "194912", "1949年12月", "1949-12-31", date(1949, 12, 31)])
def test_a_birth_month_agrees_with_any_day_of_it(birth):
    assert check(birth_date=birth).errors == ()


@pytest.mark.parametrize("raw", ["'11010519491231002X", "110105 19491231 002X", "‘11010519491231002x"])
def test_id_numbers_with_a_text_mark_or_spaces_are_read(raw):
    assert check(id_number=raw).record.id_number == "11010519491231002X"


@pytest.mark.parametrize("status, skipped", [("在册", False), ("", False), ("正常享受", False), ("已减员", True),
                                             ("已死亡", True), ("停发", True)])
def test_a_row_marked_removed_or_dead_is_not_imported_as_on_the_roster(status, skipped):
    result = check(status=status)
    assert result.errors == () and bool(result.skip_reason) == skipped
    if skipped:
        assert f"名册中的状态为“{status}”" in result.skip_reason


def test_all_errors_of_a_row_are_reported_at_once():
    result = check(name="", street="朝阳区", sex="男")
    assert len(result.errors) == 3


def test_ineligible_category_is_skipped_with_reason():
    result = check(category="奖励扶助")
    assert result.record is not None and "奖励扶助" in result.skip_reason


def test_disability_allowed_when_the_scheme_year_admits_it():
    result = check_roster_row({**GOOD, "category": "伤残特扶"}, streets=STREET_NAMES,
                              eligible=frozenset({"death", "disability"}), default_category=None,
                              today=TODAY)
    assert result.skip_reason == ""


def test_category_from_title_when_no_column():
    result = check_roster_row({**GOOD, "category": ""}, streets=STREET_NAMES,
                              eligible=frozenset({"death"}), default_category="death", today=TODAY)
    assert result.record.category == "death"


def test_duplicate_ids_name_every_row():
    errors = duplicate_id_errors({4: "A", 5: "B", 9: "A", 12: "A"})
    assert set(errors) == {4, 9, 12}
    assert errors[9] == "身份证号在文件中重复出现（第4、9、12行）"


SNAPSHOT = PersonSnapshot(name="张三", sex="F", birth_date=date(1949, 12, 31), street_code="110112001000",
                          community="运河社区", category="death", assistance_start=date(2020, 1, 1),
                          address="新华大街1号", phone="13900000000", status="active")


def record(**changes):
    base = dict(id_number="11010519491231002X", name="张三", sex="F", birth_date=date(1949, 12, 31),
                street_code="110112001000", community="运河社区", address="新华大街1号",
                phone="13900000000", category="death", assistance_start=date(2020, 1, 1),
                spouse_id_number="")
    return RosterRecord(**{**base, **changes})


@pytest.mark.parametrize("current, incoming, expected", [
    (SNAPSHOT, record(), {}),
    (SNAPSHOT, record(street_code="110112104000"), {"street_code": ("110112001000", "110112104000")}),
    (SNAPSHOT, record(name="张叁"), {"name": ("张三", "张叁")}),
    # The roster never overwrites contact data corrected here; it only fills blanks.
    (SNAPSHOT, record(phone="13800000000", address="别处"), {}),
    (SNAPSHOT._replace(phone=""), record(phone="13800000000"),
     {"phone": ("", "13800000000")}),
    # Back on the roster after a removal: active again.
    (SNAPSHOT._replace(status="removed"), record(),
     {"status": ("removed", "active")}),
    # A spouse named by the roster and not linked yet; one already linked is no change.
    (SNAPSHOT, record(spouse_id_number="110112195001150010"), {"spouse_id_number": ("", "110112195001150010")}),
    (SNAPSHOT._replace(spouse_id_number="110112195001150010"), record(spouse_id_number="110112195001150010"), {}),
    (SNAPSHOT._replace(spouse_id_number="110112195001150010"), record(), {}),    # not named: kept
])
def test_roster_changes_with_a_linkable_spouse(current, incoming, expected):
    assert roster_changes(current, incoming, spouse_linkable=True) == expected


def test_a_spouse_who_cannot_be_linked_is_no_change():
    assert roster_changes(SNAPSHOT, record(spouse_id_number="110112195001150010"), spouse_linkable=False) == {}


from enrollment.rules import spouse_links  # noqa: E402


@pytest.mark.parametrize("named, links", [
    ([], {}),
    ([(1, 2)], {1: 2, 2: 1}),
    ([(1, 2), (2, 1)], {1: 2, 2: 1}),                 # both rows name each other
    ([(1, 2), (3, 2)], {}),                           # 2 named as spouse of two people
    ([(1, 2), (1, 3)], {}),                           # 1 named with two spouses
    ([(1, 2), (3, 4), (3, 5)], {1: 2, 2: 1}),         # the clear couple is still linked
])
def test_spouse_links(named, links):
    assert spouse_links(named) == links
