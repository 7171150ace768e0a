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
    duplicate_rows,
    event_changes,
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


def test_an_impossible_date_says_how_to_write_it():
    with pytest.raises(RuleViolation) as error:
        parse_date_value("2020-13-01", field="开始享受扶助日期")
    assert error.value.message == ("开始享受扶助日期“2020-13-01”不是有效日期：请按年-月-日填写（如 2020-01-05），"
                                   "并核对月份（1–12）和该月的天数")


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


@pytest.mark.parametrize("changes, field, message", [
    ({"name": ""}, "name", "姓名为空，请填写姓名"),
    # A wrong check character: check the whole number, never "change the last one to X".
    ({"id_number": "110105194912310021"}, "id_number", "请对照身份证逐位核对整个号码，不要只改最后一位"),
    ({"id_number": 1.10105194912e17}, "id_number", "存成了数字"),
    ({"sex": "男"}, "sex", "性别“男”与身份证号（女）不符，请核对性别或身份证号"),
    ({"birth_date": "1950-01-01"}, "birth_date", "出生日期1950-01-01与身份证号中的1949-12-31不符"),
    # An unknown street lists the names that are accepted.
    ({"street": "朝阳区"}, "street", "不是通州区的街道或乡镇。可填写：中仓街道、新华街道、北苑街道"),
    ({"category": "低保"}, "category", "扶助类别“低保”无法识别，应为独生子女死亡特别扶助"),
    ({"assistance_start": "2030-01-01"}, "assistance_start", "晚于一年之后"),
    ({"spouse_id_number": "11010519491231002X"}, "spouse_id_number", "配偶身份证号与本人相同"),
    ({"spouse_id_number": "110105194912310021"}, "spouse_id_number", "配偶身份证号校验不通过"),   # whose number
    ({"birth_date": "1950-01"}, "birth_date", "出生日期1950-01与身份证号中的1949-12-31不符"),
    ({"name": "张" * 51}, "name", "姓名超过50个字"),
    ({"bank_account": 6.22202e18}, "bank_account", "银行账号被Excel存成了数字"),
    ({"bank_account": "6222 0200 abcd"}, "bank_account", "应只含数字"),
    ({"status": "已死亡", "death_date": "2030-01-01"}, "death_date", "死亡日期2030-01-01晚于今天"),
    ({"status": "在册", "death_date": "2026-03-01"}, "death_date", "状态为“在册”，但死亡日期填有2026-03-01"),
    ({"status": "迁出", "event_date": "去年"}, "event_date", "无法识别为日期"),
])
def test_row_errors(changes, field, message):
    result = check(**changes)
    assert result.record is None
    assert any(e.field == field and message in e.message for e in result.errors), result.errors


@pytest.mark.parametrize("birth", ["1949-12", "194912", "1949年12月", "1949-12-31", date(1949, 12, 31)])
def test_a_birth_month_agrees_with_any_day_of_it(birth):
    assert check(birth_date=birth).errors == ()


@pytest.mark.parametrize("raw", ["'11010519491231002X", "110105 19491231 002X", "‘11010519491231002x"])
def test_id_numbers_with_a_text_mark_or_spaces_are_read(raw):
    assert check(id_number=raw).record.id_number == "11010519491231002X"


@pytest.mark.parametrize("values, event, when, reason", [
    ({"status": "在册"}, "", None, ""),
    ({"status": ""}, "", None, ""),
    ({"status": "正常享受"}, "", None, ""),
    ({"status": "已死亡"}, "death", None, "名册状态为“已死亡”"),           # no date: the clerk enters it
    ({"status": "死亡", "death_date": "2026-03-01"}, "death", date(2026, 3, 1), "名册状态为“死亡”"),
    ({"status": "已死亡", "event_date": "2026年3月1日"}, "death", date(2026, 3, 1), "名册状态为“已死亡”"),
    ({"death_date": "2026-03-01"}, "death", date(2026, 3, 1), ""),       # a death date says it
    ({"status": "已注销", "death_date": "2026-03-01"}, "death", date(2026, 3, 1), "名册状态为“已注销”"),
    ({"status": "迁出", "event_date": "2026-05-10", "event_reason": "迁往朝阳区"}, "removal",
     date(2026, 5, 10), "迁往朝阳区"),
    ({"status": "取消资格"}, "removal", None, "名册状态为“取消资格”"),
    ({"status": "已减员"}, "removal", None, "名册状态为“已减员”"),
    ({"status": "停发"}, "removal", None, "名册状态为“停发”"),
    ({"event_date": "2026-05-10"}, "", None, ""),    # a change date alone names no end
])
def test_a_row_marked_dead_or_removed_records_that_end(values, event, when, reason):
    result = check(**values)
    assert result.errors == () and result.skip_reason == ""
    assert (result.event, result.event_date, result.event_reason) == (event, when, reason)


def test_a_death_is_recorded_whatever_the_category():
    result = check(category="奖励扶助", status="已死亡")
    assert (result.event, result.skip_reason) == ("death", "")


@pytest.mark.parametrize("raw, account", [
    ("6222 0200 1234 5678 901", "6222020012345678901"), ("6222-0200-1234", "622202001234"),
    ("'6222020012345678901", "6222020012345678901"), (123456789012.0, "123456789012"), ("", ""), (None, ""),
])
def test_bank_accounts_are_read_as_text(raw, account):
    assert check(bank_account=raw, bank_name=" 中国农业银行 ").record[-2:] == ("中国农业银行", account)


def test_all_errors_of_a_row_are_reported_at_once():
    result = check(name="", street="朝阳区", sex="男")
    assert [e.field for e in result.errors] == ["name", "sex", "street"]


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


LABELS = {k: f"第{k}行" for k in range(1, 20)}


def test_identical_rows_import_once_with_a_warning_naming_both():
    content = {4: ("张三",), 5: ("李四",), 9: ("张三",)}
    marks = duplicate_rows([(4, "A"), (5, "B"), (9, "A")], content.get, LABELS)
    assert set(marks) == {9}
    assert marks[9].copy_of == 4 and marks[9].others == (4,)
    assert marks[9].message == "与第4行内容完全相同，只导入一次"


def test_rows_with_one_id_and_different_content_are_all_errors_naming_each_other():
    content = {4: ("张三", "139"), 9: ("张三", "138"), 12: ("张三", "139")}
    marks = duplicate_rows([(4, "A"), (9, "A"), (12, "A")], content.get, LABELS)
    assert set(marks) == {4, 9, 12} and all(m.copy_of is None for m in marks.values())
    assert marks[9].others == (4, 12)
    assert marks[9].message.startswith("身份证号与第4行、第12行相同，但内容不同（各行对照见下）")


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
    # Contact and bank data that differ are proposed field by field (the clerk takes or
    # leaves each); an empty cell never clears what is on record.
    (SNAPSHOT, record(phone="13800000000", address="别处"),
     {"phone": ("13900000000", "13800000000"), "address": ("新华大街1号", "别处")}),
    (SNAPSHOT._replace(phone=""), record(phone="13800000000"),
     {"phone": ("", "13800000000")}),
    (SNAPSHOT, record(phone="", address=""), {}),
    (SNAPSHOT._replace(bank_account="6222020012345678"),
     record(bank_name="中国农业银行", bank_account="6222020087654321"),
     {"bank_name": ("", "中国农业银行"), "bank_account": ("6222020012345678", "6222020087654321")}),
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


@pytest.mark.parametrize("status, on_record, event, when, expected", [
    ("active", None, "death", date(2026, 3, 1), {"status": ("active", "deceased"), "status_date": (None, date(2026, 3, 1))}),
    ("active", None, "death", None, {"status": ("active", "deceased"), "status_date": (None, None)}),
    ("active", None, "removal", date(2026, 5, 1), {"status": ("active", "removed"), "status_date": (None, date(2026, 5, 1))}),
    # Already recorded: nothing, unless the file corrects the date.
    ("deceased", date(2026, 3, 1), "death", date(2026, 3, 1), None),
    ("deceased", date(2026, 3, 1), "death", None, None),
    ("deceased", date(2026, 3, 1), "death", date(2026, 2, 20), {"status_date": (date(2026, 3, 1), date(2026, 2, 20))}),
    ("removed", date(2026, 5, 1), "removal", date(2026, 5, 1), None),
    # Removed, then died: the death is recorded. Dead, then "removed": nothing.
    ("removed", date(2026, 5, 1), "death", date(2026, 8, 1),
     {"status": ("removed", "deceased"), "status_date": (date(2026, 5, 1), date(2026, 8, 1))}),
    ("deceased", date(2026, 3, 1), "removal", date(2026, 5, 1), None),
])
def test_event_changes(status, on_record, event, when, expected):
    current = SNAPSHOT._replace(status=status, status_date=on_record)
    assert event_changes(current, event=event, event_date=when) == expected
