"""The roster import end to end on real files and real PostgreSQL: every format, every quirk,
preview before anything is written, all-or-nothing apply, idempotence (S18)."""

from datetime import date

import pytest

from enrollment.models import Person, PersonStatus, RosterImport, RosterRow
from enrollment.rules import parse_id_number
from enrollment.services import roster_import_apply, roster_import_preview
from tests import rosters
from tests.factories import PersonFactory
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation

TODAY = date(2026, 11, 28)


def preview(path, actor, year=2026):
    return roster_import_preview(path=path, file_name=path.name, roster_year=year, actor=actor,
                                 today=TODAY)


def apply(ri, actor, kinds=("new", "changed"), **kwargs):
    return roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds=set(kinds),
                               skip_errors=kwargs.pop("skip_errors", False), **kwargs)


def eligible(roster):
    return [(p, street) for p, street, category in roster.people if category == "death"]


@pytest.fixture
def roster():
    return rosters.sample()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8", "csv-bom", "csv-gbk"])
def test_every_format_imports_the_same_persons(fmt, roster, tmp_path, commission_admin):
    path = {
        "xlsx": lambda: rosters.as_xlsx(roster, tmp_path),
        "csv-utf8": lambda: rosters.as_csv(roster, tmp_path, "utf-8"),
        "csv-bom": lambda: rosters.as_csv(roster, tmp_path, "utf-8-sig"),
        "csv-gbk": lambda: rosters.as_csv(roster, tmp_path, "gb18030"),
    }[fmt]()
    ri = preview(path, commission_admin)
    expected = eligible(roster)
    assert (ri.rows_total, ri.error_count) == (len(roster.people), 0)
    assert ri.new_count == len(expected)
    assert ri.skipped_count == len(roster.people) - len(expected)
    assert ri.header_row == 3 and "花名册" in ri.title
    assert Person.objects.count() == 0          # preview writes no person

    apply(ri, commission_admin)
    assert Person.objects.count() == len(expected)
    for demo, street in expected:
        person = Person.objects.get(id_number=demo.id_number)
        assert (person.name, person.sex, person.birth_date, person.street.name) == (
            demo.name, demo.sex, demo.birth_date, street)
        assert person.status == PersonStatus.ACTIVE


@pytest.mark.django_db
def test_real_xls_from_libreoffice(roster, tmp_path, commission_admin):
    ri = preview(rosters.as_xls(roster, tmp_path), commission_admin)
    assert (ri.file_kind, ri.error_count, ri.new_count) == ("xls", 0, len(eligible(roster)))


@pytest.mark.django_db
def test_quirks_are_normalised(tmp_path, commission_admin):
    roster = rosters.sample(seed=3, per_street=(3, 6))
    apply(preview(rosters.as_xlsx(roster, tmp_path), commission_admin), commission_admin)
    names = set(Person.objects.values_list("name", flat=True))
    assert not any(" " in n or "\u3000" in n for n in names)
    assert not Person.objects.filter(id_number__contains="x").exists()
    assert Person.objects.filter(street__name="永顺镇").exists()        # from 永顺地区 / 永顺
    assert Person.objects.exclude(assistance_start=None).count() == Person.objects.count()
    assert Person.objects.filter(spouse__isnull=False).exists()          # 配偶身份证号 linked


@pytest.mark.django_db
def test_same_file_twice_changes_nothing(roster, tmp_path, commission_admin):
    path = rosters.as_xlsx(roster, tmp_path)
    apply(preview(path, commission_admin), commission_admin)
    before = list(Person.objects.order_by("pk").values_list("pk", "version", "updated_at"))
    again = preview(path, commission_admin)
    assert (again.new_count, again.changed_count, again.missing_count) == (0, 0, 0)
    assert again.unchanged_count == len(eligible(roster))
    with pytest.raises(RuleViolation):  # nothing to choose: still refused as "no kind" is fine
        apply(again, commission_admin, kinds=())
    apply(again, commission_admin)
    assert list(Person.objects.order_by("pk").values_list("pk", "version", "updated_at")) == before


@pytest.mark.django_db
def test_changes_are_shown_field_by_field_and_removals_need_confirming(roster, tmp_path, commission_admin):
    apply(preview(rosters.as_xlsx(roster, tmp_path, "2026.xlsx"), commission_admin), commission_admin)
    data = [r for r in roster.rows[roster.header_row:-2]]
    moved = next(r for r in data if r[9] in ("独生子女死亡特别扶助", "特别扶助（死亡）", "死亡特扶"))
    moved[5] = "梨园地区"
    dropped = next(r for r in data if r is not moved and "死亡" in r[9])
    roster.rows.remove(dropped)
    ri = preview(rosters.as_xlsx(roster, tmp_path, "2027.xlsx"), commission_admin, year=2027)
    assert (ri.new_count, ri.changed_count, ri.missing_count) == (0, 1, 1)
    change = RosterRow.objects.get(roster_import=ri, kind="changed")
    assert change.changes["street_code"][1] == "梨园镇"
    missing = RosterRow.objects.get(roster_import=ri, kind="missing")
    assert missing.id_number == dropped[3].upper()

    with pytest.raises(RuleViolation, match="减员日期和原因"):
        apply(ri, commission_admin, kinds=("changed", "missing"))
    apply(ri, commission_admin, kinds=("changed", "missing"), removal_date=date(2027, 1, 5),
          removal_reason="未列入2027年度花名册")
    assert Person.objects.get(id_number=moved[3].upper()).street.name == "梨园镇"
    gone = Person.objects.get(id_number=dropped[3].upper())
    assert (gone.status, gone.status_date, gone.removal_reason) == (
        PersonStatus.REMOVED, date(2027, 1, 5), "未列入2027年度花名册")


@pytest.mark.django_db
def test_removals_not_confirmed_are_not_made(roster, tmp_path, commission_admin, street_a):
    stranger = PersonFactory(street=street_a)
    ri = preview(rosters.as_xlsx(roster, tmp_path), commission_admin)
    assert ri.missing_count == 1
    apply(ri, commission_admin, kinds=("new",))
    stranger.refresh_from_db()
    assert stranger.status == PersonStatus.ACTIVE


@pytest.mark.django_db
def test_errors_name_their_rows_and_block_the_whole_file(tmp_path, commission_admin):
    roster = rosters.sample(inject_errors=True)
    ri = preview(rosters.as_xlsx(roster, tmp_path), commission_admin)
    errors = {r.row_number: r.messages for r in RosterRow.objects.filter(roster_import=ri, kind="error")}
    assert set(errors) == set(roster.bad_rows)
    expected_words = {"校验位": "校验不通过", "科学计数法": "存成了数字", "街道": "不是通州区",
                      "性别": "不符", "姓名为空": "姓名为空", "重复": "但内容不同"}
    for row, label in roster.bad_rows.items():
        assert any(expected_words[label] in m for m in errors[row]), (row, label, errors[row])

    with pytest.raises(RuleViolation, match="行错误"):
        apply(ri, commission_admin)
    assert Person.objects.count() == 0
    assert RosterImport.objects.get(pk=ri.pk).status == "previewed"

    apply(ri, commission_admin, skip_errors=True)
    assert Person.objects.count() == ri.new_count > 0
    assert not Person.objects.filter(name="").exists()


@pytest.mark.django_db
def test_header_found_under_titles_with_aliases_and_total_line(tmp_path, commission_admin, street_a):
    lines = [
        "通州区2026年度独生子女死亡特别扶助对象花名册",
        "填报单位：通州区卫健委,,,,",
        "",
        "序号,扶助对象姓名,身份证号码,乡镇街道,扶助对象类别,联系方式",
        "1,王秀英,11010519491231002X,中仓街道,独生子女死亡特别扶助,13900000001",
        "2, 李建国 ,110112195001010016,宋庄,特扶（死亡）,",
        "合计：2人,,,,,",
        "3,不该导入,110112195001010024,宋庄,死亡特扶,",
    ]
    path = tmp_path / "aliases.csv"
    path.write_text("\n".join(lines), encoding="gb18030")
    ri = preview(path, commission_admin)
    assert (ri.header_row, ri.rows_total, ri.new_count, ri.error_count) == (4, 2, 2, 0)


@pytest.mark.django_db
def test_category_from_title_when_the_column_is_absent(tmp_path, commission_admin):
    path = tmp_path / "no-category.csv"
    path.write_text("通州区2026年度独生子女死亡特别扶助对象花名册\n姓名,公民身份号码,所属街道\n"
                    "王秀英,11010519491231002X,中仓街道\n", encoding="utf-8")
    ri = preview(path, commission_admin)
    assert ri.new_count == 1 and "按标题" in ri.notes[0]


@pytest.mark.django_db
def test_missing_required_column_is_named(tmp_path, commission_admin):
    from enrollment.roster_files import RosterFileError

    path = tmp_path / "no-street.csv"
    path.write_text("姓名,身份证号,扶助类别\n王秀英,11010519491231002X,死亡特扶\n", encoding="utf-8")
    with pytest.raises(RosterFileError, match="缺少必需的列：“所属乡镇（街道）”（可用列名：所属乡镇\\(街道\\)"):
        preview(path, commission_admin)
    assert not RosterImport.objects.exists()
    assert AccessLog.objects.get().detail.startswith("未通过检查")


@pytest.mark.django_db
def test_person_edited_after_preview_makes_apply_refuse(roster, tmp_path, commission_admin):
    apply(preview(rosters.as_xlsx(roster, tmp_path, "a.xlsx"), commission_admin), commission_admin)
    first = roster.rows[roster.header_row]
    first[6] = "新社区"
    ri = preview(rosters.as_xlsx(roster, tmp_path, "b.xlsx"), commission_admin)
    assert ri.changed_count >= 1
    person = Person.objects.get(id_number=RosterRow.objects.filter(
        roster_import=ri, kind="changed").first().id_number)
    Person.objects.filter(pk=person.pk).update(version=person.version + 1, phone="13000000000")
    with pytest.raises(RuleViolation, match="预览后被修改"):
        apply(ri, commission_admin)
    assert Person.objects.get(pk=person.pk).community != "新社区"


@pytest.mark.django_db
def test_an_older_preview_cannot_apply_after_a_newer_import(roster, tmp_path, commission_admin):
    path = rosters.as_xlsx(roster, tmp_path)
    older = preview(path, commission_admin)
    newer = preview(path, commission_admin)
    apply(newer, commission_admin)
    with pytest.raises(RuleViolation, match="已过时"):
        apply(older, commission_admin)
    with pytest.raises(RuleViolation, match="不能再次导入"):
        apply(newer, commission_admin)


@pytest.mark.django_db
def test_new_person_registered_after_preview_makes_apply_refuse(roster, tmp_path, commission_admin):
    ri = preview(rosters.as_xlsx(roster, tmp_path), commission_admin)
    demo, street = eligible(roster)[0]
    PersonFactory(id_number=demo.id_number, birth_date=demo.birth_date, sex=demo.sex)
    with pytest.raises(RuleViolation, match="已被录入系统"):
        apply(ri, commission_admin)
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_deceased_person_still_listed_is_skipped_not_revived(roster, tmp_path, commission_admin):
    apply(preview(rosters.as_xlsx(roster, tmp_path, "a.xlsx"), commission_admin), commission_admin)
    person = Person.objects.first()
    Person.objects.filter(pk=person.pk).update(status=PersonStatus.DECEASED, status_date=date(2026, 3, 1))
    ri = preview(rosters.as_xlsx(roster, tmp_path, "b.xlsx"), commission_admin)
    skipped = RosterRow.objects.get(roster_import=ri, kind="skipped", id_number=person.id_number)
    assert "死亡" in skipped.messages[0]
    assert ri.missing_count == 0


@pytest.mark.django_db
def test_imports_are_audited_with_the_importer(roster, tmp_path, commission_admin):
    from enrollment.models import PersonEvent

    apply(preview(rosters.as_xlsx(roster, tmp_path), commission_admin), commission_admin)
    event = PersonEvent.objects.filter(pgh_label="insert").first()
    assert event.pgh_context.metadata["user"] == commission_admin.pk
    assert event.pgh_context.metadata["action"] == "roster_import_apply"
    actions = list(AccessLog.objects.order_by("at").values_list("action", "detail"))
    assert [a for a, _ in actions] == ["import", "import"]
    assert actions[1][1].startswith("导入：新增")


@pytest.mark.django_db
def test_ids_are_valid_after_import(roster, tmp_path, commission_admin):
    apply(preview(rosters.as_xlsx(roster, tmp_path), commission_admin), commission_admin)
    for person in Person.objects.all():
        parsed = parse_id_number(person.id_number, today=TODAY)
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)


@pytest.mark.django_db
def test_backslashes_tabs_and_null_markers_survive_staging(tmp_path, commission_admin):
    """COPY's text format gives \\N, backslash and tab meanings; roster text must keep its own."""
    path = tmp_path / "odd.csv"
    path.write_text('姓名,公民身份号码,所属街道,扶助类别,村（居）委会,家庭住址\n'
                    '王秀英,11010519491231002X,中仓街道,死亡特扶,\\N,"C:\\路径\t一号"\n',
                    encoding="utf-8")
    apply(preview(path, commission_admin), commission_admin)
    person = Person.objects.get()
    assert (person.community, person.address) == ("\\N", "C:\\路径\t一号")


@pytest.mark.django_db
def test_a_couple_already_on_record_is_linked_when_the_roster_names_them(tmp_path, commission_admin,
                                                                         street_a, client_for):
    husband = PersonFactory(street=street_a, name="王建国", sex="M")
    wife = PersonFactory(street=street_a, name="李秀英", sex="F")
    path = tmp_path / "花名册.csv"
    header = "姓名,公民身份号码,所属乡镇（街道）,扶助类别,配偶身份证号\n"
    lines = [f"{p.name},{p.id_number},{street_a.name},独生子女死亡特别扶助,{spouse.id_number}\n"
             for p, spouse in ((husband, wife), (wife, husband))]
    path.write_text(header + "".join(lines), encoding="utf-8")
    ri = preview(path, commission_admin)
    assert ri.changed_count == 2
    row = RosterRow.objects.get(roster_import=ri, id_number=husband.id_number)
    assert row.changes["spouse_id_number"] == ["", wife.id_number[:6] + "********" + wife.id_number[-4:]]
    apply(ri, commission_admin)
    husband.refresh_from_db()
    assert husband.spouse == wife
    again = preview(path, commission_admin)
    assert (again.changed_count, again.unchanged_count) == (0, 2)          # idempotent
    page = client_for(commission_admin).get(f"/persons/{husband.pk}/").content.decode()
    assert "李秀英</a>（" in page and wife.id_number not in page


@pytest.mark.django_db
def test_re_importing_the_full_export_does_not_revive_removed_persons(tmp_path, commission_admin, street_a,
                                                                      client_for):
    import io

    on_roster = PersonFactory(street=street_a)
    removed = PersonFactory(street=street_a, status=PersonStatus.REMOVED, status_date=date(2026, 3, 1),
                            removal_reason="迁出")
    response = client_for(commission_admin).post("/persons/export/", {"reason": "年度核对"})
    path = tmp_path / "参保对象花名册_完整.xlsx"
    path.write_bytes(io.BytesIO(b"".join(response.streaming_content)).getvalue())
    ri = preview(path, commission_admin)
    # The removed person's row says 已减员 with the date on record: nothing to do, nobody revived.
    assert (ri.error_count, ri.changed_count, ri.unchanged_count, ri.skipped_count, ri.removal_count) == (
        0, 0, 2, 0, 0)
    assert ri.proposed == 0
    apply(ri, commission_admin, kinds=("new", "changed", "missing"), removal_date=date(2026, 11, 28),
          removal_reason="测试")
    removed.refresh_from_db()
    on_roster.refresh_from_db()
    assert (removed.status, on_roster.status) == (PersonStatus.REMOVED, PersonStatus.ACTIVE)
