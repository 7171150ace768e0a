"""The yearly file carries life events: deaths, removals, benefit starts, new contact and bank
details, reinstatements — through the real importer, with real files, on real PostgreSQL
(issue 12). Cover is checked on the policies the import leaves behind."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enrollment.models import Person, PersonStatus, Policy, PolicyChange, RosterImport, RosterRow
from enrollment.selectors import premium_settlement_for
from enrollment.services import (
    RowChoice,
    person_update,
    policies_issue,
    roster_import_apply,
    roster_import_close,
    roster_import_preview,
    roster_rows_choose,
)
from tests import rosters
from tests.factories import SchemeYearFactory
from tongzhou_care.core.rules import RuleViolation

TODAY = timezone.localdate()


def day(value: date) -> str:
    return f"{value:%Y-%m-%d}"


def preview(path, actor, year):
    return roster_import_preview(path=path, file_name=path.name, roster_year=year, actor=actor, today=TODAY)


def apply(ri, actor, kinds, **kwargs):
    return roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds=set(kinds),
                               skip_errors=kwargs.pop("skip_errors", False), **kwargs)


@pytest.fixture
def years(db):
    """This scheme year (covering today, policies issued once the roster is in) and the next
    one (not issued yet)."""
    start = TODAY - timedelta(days=100)
    this = SchemeYearFactory(name="本年度", coverage_start=start, coverage_end=start + timedelta(days=364))
    following = SchemeYearFactory(name="下一年度", coverage_start=this.coverage_end + timedelta(days=1),
                                  coverage_end=this.coverage_end + timedelta(days=365))
    return this, following


@pytest.fixture
def insured(years, tmp_path, commission_admin):
    """This year's roster imported and its policies issued: (roster, the insured ID numbers)."""
    this, _ = years
    roster = rosters.sample(year=this.coverage_start.year)
    apply(preview(rosters.as_xlsx(roster, tmp_path, "this.xlsx"), commission_admin, this.coverage_start.year),
          commission_admin, {"new"})
    policies_issue(scheme_year_id=this.pk, actor=commission_admin, today=TODAY)
    ids = [p.id_number for p, _, category in roster.people if category == "death"]
    return roster, ids


def next_file(insured, years, tmp_path, **kwargs):
    roster, _ = insured
    return rosters.next_year(roster, tmp_path, year=years[1].coverage_start.year, **kwargs)


def rows(ri, kind):
    return {r.id_number: r for r in RosterRow.objects.filter(roster_import=ri, kind=kind)}


# --- 1. Deaths and removals in the file ---------------------------------------------------------

@pytest.mark.django_db
def test_a_death_in_the_file_ends_cover_exactly_as_recording_it_by_hand(insured, years, tmp_path,
                                                                         commission_admin):
    this, following = years
    _, ids = insured
    in_file, by_hand = ids[0], ids[1]
    died = TODAY - timedelta(days=20)
    ri = preview(next_file(insured, years, tmp_path, changes={in_file: {"状态": "已死亡", "死亡日期": day(died)}}),
                 commission_admin, following.coverage_start.year)
    assert (ri.death_count, ri.changed_count, ri.new_count) == (1, 0, 0)
    row = rows(ri, "death")[in_file]
    assert row.event_date == died
    assert row.plan == [f"本年度：保单{Policy.objects.get(person__id_number=in_file).number}保障至{day(died)}止"
                        f"（原至{day(this.coverage_end)}）"]
    assert "确认导入对本年度保单的影响：终止保障（死亡、减员） 1 人" in " ".join(ri.notes)

    apply(ri, commission_admin, {"death"})
    other = Person.objects.get(id_number=by_hand)
    person_update(person_id=other.pk, version=other.version, actor=commission_admin,
                  changes={"status": PersonStatus.DECEASED, "status_date": died})

    results = []
    for id_number in (in_file, by_hand):
        person = Person.objects.get(id_number=id_number)
        policy = Policy.objects.get(person=person, scheme_year=this)
        change = PolicyChange.objects.get(policy=policy)
        results.append((person.status, person.status_date, policy.cover_end, policy.end_reason,
                        change.kind, change.effective_date, change.reason))
    assert results[0] == results[1] == (PersonStatus.DECEASED, died, died, "death", "removal", died, "死亡")


@pytest.mark.django_db
def test_a_death_without_a_date_waits_for_the_date_the_clerk_enters(insured, years, tmp_path, commission_admin):
    _, following = years
    _, ids = insured
    first, second = ids[2], ids[3]
    ri = preview(next_file(insured, years, tmp_path, changes={first: {"状态": "已死亡"}, second: {"状态": "死亡"}}),
                 commission_admin, following.coverage_start.year)
    deaths = rows(ri, "death")
    assert {r.event_date for r in deaths.values()} == {None}
    assert all("日期待填写" in r.plan[0] for r in deaths.values())
    with pytest.raises(RuleViolation, match="以下死亡或减员尚无日期.*第\\d+行（"):
        apply(ri, commission_admin, {"death"})
    with pytest.raises(RuleViolation, match="晚于今天"):
        roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin,
                           choices=[RowChoice(deaths[first].pk, event_date=TODAY + timedelta(days=1))])
    roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin, choices=[
        RowChoice(deaths[first].pk, event_date=TODAY - timedelta(days=3)),
        RowChoice(deaths[second].pk, leave=True)])        # not sure yet: left for another import
    ri = apply(ri, commission_admin, {"death"})
    assert ri.ended == 1
    assert Person.objects.get(id_number=first).status_date == TODAY - timedelta(days=3)
    assert Person.objects.get(id_number=second).status == PersonStatus.ACTIVE


@pytest.mark.django_db
def test_removal_words_propose_a_removal_with_the_files_date_and_reason(insured, years, tmp_path,
                                                                        commission_admin):
    this, following = years
    _, ids = insured
    moved, cancelled = ids[4], ids[5]
    left = TODAY - timedelta(days=30)
    ri = preview(next_file(insured, years, tmp_path, changes={
        moved: {"状态": "迁出", "变更日期": day(left), "减员原因": "户籍迁往朝阳区"},
        cancelled: {"状态": "取消资格", "变更日期": day(left)}}), commission_admin, following.coverage_start.year)
    removals = rows(ri, "removal")
    assert (removals[moved].event_reason, removals[cancelled].event_reason) == ("户籍迁往朝阳区", "名册状态为“取消资格”")
    apply(ri, commission_admin, {"removal"})
    person = Person.objects.get(id_number=moved)
    assert (person.status, person.status_date, person.removal_reason) == (PersonStatus.REMOVED, left, "户籍迁往朝阳区")
    policy = Policy.objects.get(person=person, scheme_year=this)
    assert (policy.cover_end, policy.end_reason) == (left, "removal")
    assert PolicyChange.objects.get(policy=policy).reason == "减员：户籍迁往朝阳区"


@pytest.mark.django_db
def test_a_death_row_for_someone_never_insured_or_already_recorded_changes_nothing(
        insured, years, tmp_path, commission_admin):
    _, following = years
    _, ids = insured
    died = TODAY - timedelta(days=40)
    person = Person.objects.get(id_number=ids[0])
    person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                  changes={"status": PersonStatus.DECEASED, "status_date": died})
    stranger = rosters.sample(seed=77, per_street=(1, 1)).rows[3]
    ri = preview(next_file(insured, years, tmp_path, extra=[list(stranger)], changes={
        ids[0]: {"状态": "已死亡", "死亡日期": day(died)}, stranger[3].upper(): {"状态": "已死亡"}}),
        commission_admin, following.coverage_start.year)
    assert ri.death_count == 0
    skipped = rows(ri, "skipped")[stranger[3].upper()]
    assert skipped.messages == ["名册标注该对象已死亡，本系统无此人，不导入"]


# --- 2. Benefit start ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_benefit_start_bounds_cover_and_the_preview_says_which_year_and_day(insured, years, tmp_path,
                                                                          commission_admin):
    this, following = years
    roster, _ = insured
    template = list(roster.rows[roster.header_row])
    newcomers = rosters.sample(seed=81, per_street=(1, 1))
    later_year, mid_year, anytime = (list(newcomers.rows[i]) for i in (3, 4, 5))
    next_start = following.coverage_start + timedelta(days=10)
    later_year[10], mid_year[10], anytime[10] = day(next_start), day(TODAY + timedelta(days=30)), "2015-03-01"
    for row in (later_year, mid_year, anytime):
        row[9], row[11] = template[9], ""
    ri = preview(next_file(insured, years, tmp_path, extra=[later_year, mid_year, anytime]),
                 commission_admin, following.coverage_start.year)
    new = rows(ri, "new")
    assert new[later_year[3].upper()].plan == [
        f"本年度：不参保（开始享受扶助日期{day(next_start)}在本年度之后）",
        f"下一年度：生成保单时参保，自{day(next_start)}起保障"]
    assert new[mid_year[3].upper()].plan[0] == f"本年度：增员，自{day(TODAY + timedelta(days=30))}起保障（开始享受扶助日期）"
    assert new[anytime[3].upper()].plan[0] == (f"本年度：增员，自确认导入次日起保障"
                                                f"（今日确认则自{day(TODAY + timedelta(days=1))}起）")

    apply(ri, commission_admin, {"new"})
    # A next-year file changes this year's cover only as the preview said.
    assert not Policy.objects.filter(person__id_number=later_year[3].upper(), scheme_year=this).exists()
    assert Policy.objects.get(person__id_number=mid_year[3].upper(), scheme_year=this).cover_start == TODAY + timedelta(days=30)
    assert Policy.objects.get(person__id_number=anytime[3].upper(), scheme_year=this).cover_start == TODAY + timedelta(days=1)
    policies_issue(scheme_year_id=following.pk, actor=commission_admin, today=TODAY)
    assert Policy.objects.get(person__id_number=later_year[3].upper(), scheme_year=following).cover_start == next_start


# --- 3. Contact and bank details ----------------------------------------------------------------

@pytest.mark.django_db
def test_contact_and_bank_changes_are_proposed_field_by_field_and_taken_or_left(insured, years, tmp_path,
                                                                              commission_admin):
    _, following = years
    _, ids = insured
    moved_phone, both = ids[6], ids[7]
    before = {p.id_number: p for p in Person.objects.filter(id_number__in=[moved_phone, both])}
    ri = preview(next_file(insured, years, tmp_path, changes={
        moved_phone: {"联系电话": "13811112222"},
        both: {"联系电话": "13833334444", "开户银行": "中国农业银行通州支行", "银行账号": "6228480010012345678"},
    }), commission_admin, following.coverage_start.year)
    changed = rows(ri, "changed")
    old = before[both].phone
    assert changed[both].changes == {
        "phone": [f"{old[:3]}****{old[-4:]}", "138****4444"],            # masked, old → new
        "bank_name": ["", "中国农业银行通州支行"], "bank_account": ["", "**** 5678"]}
    # The clerk keeps the phone on record for the second person, takes the bank details.
    roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin,
                       choices=[RowChoice(changed[both].pk, declined=("phone",))])
    with pytest.raises(RuleViolation, match="只能选择不采用文件中的联系方式或银行信息变更"):
        roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin,
                           choices=[RowChoice(changed[moved_phone].pk, declined=("bank_name",))])
    apply(ri, commission_admin, {"changed"})
    first, second = (Person.objects.get(id_number=i) for i in (moved_phone, both))
    assert first.phone == "13811112222"
    assert (second.phone, second.bank_name, second.bank_account) == (old, "中国农业银行通州支行", "6228480010012345678")


@pytest.mark.django_db
def test_a_row_whose_every_change_is_left_is_not_touched(insured, years, tmp_path, commission_admin):
    _, following = years
    _, ids = insured
    ri = preview(next_file(insured, years, tmp_path, changes={ids[8]: {"联系电话": "13855556666"}}),
                 commission_admin, following.coverage_start.year)
    row = rows(ri, "changed")[ids[8]]
    version = Person.objects.get(id_number=ids[8]).version
    roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin, choices=[RowChoice(row.pk, declined=("phone",))])
    assert apply(ri, commission_admin, {"changed"}).updated == 0
    assert Person.objects.get(id_number=ids[8]).version == version


# --- 4. Duplicates ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_identical_rows_import_once_and_rows_that_differ_are_errors_side_by_side(tmp_path, commission_admin,
                                                                                client_for):
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别,联系电话\n"
                    "张三,110112195001150019,中仓,死亡特扶,13900000001\n"
                    "李四,110112195001150027,宋庄,死亡特扶,13900000002\n"
                    "张三,110112195001150019,中仓,死亡特扶,13900000001\n"
                    "李四,110112195001150027,宋庄,死亡特扶,13900000009\n", encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert (ri.new_count, ri.skipped_count, ri.error_count) == (1, 1, 2)
    assert RosterRow.objects.get(roster_import=ri, kind="skipped").messages == ["第4行与第2行内容完全相同，只导入一次"]
    assert "以下内容完全相同的行只导入一次：第2行与第4行。" in ri.notes
    errors = {r.row_number: r for r in RosterRow.objects.filter(roster_import=ri, kind="error")}
    assert errors[3].messages == ["第3行身份证号与第5行相同，但内容不同（各行对照见下），无法判断哪一行正确：请核对后只保留正确的一行"]
    assert errors[3].related == [["", 5]]

    page = client_for(commission_admin).get(f"/roster/imports/{ri.pk}/?tab=error").content.decode()
    table = page[page.index('data-testid="side-by-side"'):]
    table = table[:table.index("</table>")]
    assert '<th scope="col">第3行</th><th scope="col">第5行</th>' in table
    assert ('<tr class="cell-differs"><th scope="row">≠ 联系电话</th><td>139****0002</td><td>139****0009</td></tr>'
            in table)
    assert '<tr><th scope="row">姓名</th><td>李四</td><td>李四</td></tr>' in table         # the same: not marked
    assert "110112********0027" in table and "110112195001150027" not in page      # masked (S10)
    apply(ri, commission_admin, {"new"}, skip_errors=True)
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]


# --- 5. Lost eligibility and reinstatement ------------------------------------------------------

@pytest.mark.django_db
def test_a_person_whose_category_is_no_longer_insured_is_proposed_for_removal(insured, years, tmp_path,
                                                                             commission_admin):
    this, following = years
    _, ids = insured
    ri = preview(next_file(insured, years, tmp_path, changes={ids[9]: {"扶助类别": "奖励扶助"}}),
                 commission_admin, following.coverage_start.year)
    row = rows(ri, "removal")[ids[9]]
    assert row.event_reason == "扶助类别为奖励扶助，不在本保险年度的参保范围内，不再符合参保条件"
    assert row.changes["category"] == ["独生子女死亡特别扶助", "奖励扶助"]
    with pytest.raises(RuleViolation, match="尚无日期"):
        apply(ri, commission_admin, {"removal"})
    roster_rows_choose(roster_import_id=ri.pk, actor=commission_admin, choices=[RowChoice(row.pk, event_date=TODAY)])
    apply(ri, commission_admin, {"removal"})
    person = Person.objects.get(id_number=ids[9])
    assert (person.status, person.status_date, person.category) == (PersonStatus.REMOVED, TODAY, "reward")
    assert Policy.objects.get(person=person, scheme_year=this).cover_end == TODAY


@pytest.mark.django_db
def test_a_person_removed_by_mistake_and_back_is_covered_again_from_the_reinstatement(
        insured, years, tmp_path, commission_admin):
    this, following = years
    _, ids = insured
    person = Person.objects.get(id_number=ids[10])
    removed_on = TODAY - timedelta(days=40)
    person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                  changes={"status": PersonStatus.REMOVED, "status_date": removed_on, "removal_reason": "迁出"})
    gap_start, resume = removed_on + timedelta(days=1), TODAY + timedelta(days=1)
    ri = preview(next_file(insured, years, tmp_path), commission_admin, following.coverage_start.year)
    row = rows(ri, "changed")[ids[10]]
    assert row.changes["status"] == ["已减员", "在册"]
    assert row.plan == [f"本年度：恢复保障，自{day(resume)}起（今日确认计），{day(gap_start)} 至 {day(TODAY)} 未在保，"
                        "期间住院不予给付",
                        f"下一年度：生成保单时参保，自{day(following.coverage_start)}起保障"]
    apply(ri, commission_admin, {"changed"})

    policy = Policy.objects.get(person=person, scheme_year=this)
    assert (policy.cover_start, policy.cover_end, policy.end_reason) == (this.coverage_start, this.coverage_end, "")
    assert [(w.start, w.end) for w in policy.cover.windows] == [(this.coverage_start, removed_on),
                                                                (resume, this.coverage_end)]
    assert not policy.cover.covers(TODAY) and policy.cover.covers(resume)
    lines = list(PolicyChange.objects.filter(policy=policy).order_by("pk").values_list("kind", "effective_date", "reason"))
    assert lines == [("removal", removed_on, "减员：迁出"),
                     ("addition", resume, f"恢复参保（更正：原减员至 {day(removed_on)}，{day(gap_start)} 至 {day(TODAY)} 未在保）")]
    # The settlement bills the covered days only: the year less the unpaid gap.
    settlement, lines = premium_settlement_for(this)
    line = next(x for x in lines if x["number"] == policy.number)
    assert line["days"] == 365 - (TODAY - removed_on).days
    assert line["kind"] == "减员、恢复"


@pytest.mark.django_db
def test_a_stay_in_the_gap_is_not_paid(insured, years, commission_admin):
    from claims.rules import calculate_benefit
    from claims.selectors import policy_terms

    this, _ = years
    _, ids = insured
    person = Person.objects.get(id_number=ids[11])
    removed_on = TODAY - timedelta(days=40)
    person = person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                           changes={"status": PersonStatus.REMOVED, "status_date": removed_on, "removal_reason": "迁出"})
    person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                  changes={"status": PersonStatus.ACTIVE})               # back, by hand this time
    policies = Policy.objects.filter(person=person).select_related("scheme_year")
    # Ten days in hospital around the removal: the four before it are paid, the six after not.
    calculation = calculate_benefit(admitted=removed_on - timedelta(days=3), discharged=removed_on + timedelta(days=7),
                                    terms=policy_terms(policies))
    assert calculation.days_claimed == 10 and calculation.days_payable == 4


# --- 6. Messages a clerk can act on -------------------------------------------------------------

@pytest.mark.django_db
def test_messages_name_the_files_column_and_row_and_say_how_to_fix(tmp_path, commission_admin, client_for):
    path = tmp_path / "花名册.csv"
    path.write_text("扶助对象姓名,身份证号码,乡镇街道,扶助类别\n"
                    "王秀英,110105194912310021,朝阳区,死亡特扶\n", encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    (row,) = RosterRow.objects.filter(roster_import=ri, kind="error")
    assert row.messages[0] == ("第2行“身份证号码”：身份证号校验不通过：号码中至少有一位录入有误，"
                               "请对照身份证逐位核对整个号码，不要只改最后一位")
    assert row.messages[1].startswith("第2行“乡镇街道”：街道/乡镇“朝阳区”不是通州区的街道或乡镇。可填写：中仓街道、新华街道")
    assert "于家务回族乡（“街道”“镇”“乡”可省略）" in row.messages[1]
    page = client_for(commission_admin).get(f"/roster/imports/{ri.pk}/?tab=error").content.decode()
    assert "朝阳区<span" in page and "（原文）" in page          # what the file said, street included


# --- 7. Real export shapes -------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_two_row_header_imports(tmp_path, commission_admin):
    ri = roster_import_preview(path=rosters.two_row_header(tmp_path), file_name="两行表头.xlsx", roster_year=2026,
                               actor=commission_admin)
    assert (ri.new_count, ri.error_count, ri.header_row) == (2, 0, 2)
    assert "文件的表头占两行（第2、3行），已合并读取。" in ri.notes
    apply(ri, commission_admin, {"new"})
    assert Person.objects.get(name="李四").community == "小堡村"


@pytest.mark.django_db
def test_one_sheet_per_street_is_read_sheet_by_sheet_with_the_same_checks(tmp_path, commission_admin, client_for):
    path = rosters.one_sheet_per_street(tmp_path, {
        "中仓街道": [("张三", "110112195001150019"), ("王五", "110112195001150011")],   # a bad check character
        "宋庄镇": [("李四", "110112195001150027")]})
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert (ri.new_count, ri.error_count) == (2, 1)
    assert [(s["name"], s["rows"]) for s in ri.sheets] == [("中仓街道", 2), ("宋庄镇", 1)]
    assert {(r.sheet, r.row_number, r.street.name) for r in RosterRow.objects.filter(roster_import=ri, kind="new")} == {
        ("中仓街道", 3, "中仓街道"), ("宋庄镇", 3, "宋庄镇")}
    (error,) = RosterRow.objects.filter(roster_import=ri, kind="error")
    assert error.messages[0].startswith("工作表“中仓街道”第4行“公民身份号码”：身份证号校验不通过")
    assert "工作表“填表说明”前30行没有同时含“姓名”和“公民身份号码”的表头，未读取。" in ri.notes
    page = client_for(commission_admin).get(f"/roster/imports/{ri.pk}/?tab=new").content.decode()
    assert '<th scope="col">工作表</th>' in page and "<td>宋庄镇</td>" in page


# --- 8. Finishing ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_import_with_no_changes_is_closed_as_unchanged(insured, years, tmp_path, commission_admin):
    this, _ = years
    roster, _ = insured
    ri = preview(rosters.as_xlsx(roster, tmp_path, "again.xlsx"), commission_admin, this.coverage_start.year)
    assert ri.proposed == 0 and ri.error_count == 0
    ri = roster_import_close(roster_import_id=ri.pk, actor=commission_admin)
    assert (ri.status, ri.get_status_display(), ri.applied_by) == ("unchanged", "无变动", commission_admin)
    with pytest.raises(RuleViolation, match="该导入的状态为“无变动”"):
        apply(ri, commission_admin, {"new"})
    changed = preview(rosters.next_year(roster, tmp_path, year=this.coverage_start.year,
                                        changes={roster.people[0][0].id_number: {"联系电话": "13700000000"}}),
                      commission_admin, this.coverage_start.year)
    with pytest.raises(RuleViolation, match="不能按“无变动”关闭"):
        roster_import_close(roster_import_id=changed.pk, actor=commission_admin)
    assert RosterImport.objects.get(pk=changed.pk).status == "previewed"


# --- The preview page ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_preview_page_takes_the_clerks_choices_and_says_whose_cover_ended(insured, years, tmp_path,
                                                                              commission_admin, client_for):
    this, following = years
    _, ids = insured
    dead, moved = ids[0], ids[1]
    ri = preview(next_file(insured, years, tmp_path, changes={dead: {"状态": "已死亡"},
                                                               moved: {"联系电话": "13811112222"}}),
                 commission_admin, following.coverage_start.year)
    death, change = rows(ri, "death")[dead], rows(ri, "changed")[moved]
    client = client_for(commission_admin)
    url = f"/roster/imports/{ri.pk}/"
    page = client.get(f"{url}?tab=death").content.decode()
    assert f'name="date_{death.pk}"' in page and f'name="leave_{death.pk}"' in page
    response = client.post(f"{url}choices/?tab=death&sort=row&page=1", {f"date_{death.pk}": day(TODAY - timedelta(days=2))})
    assert response.status_code == 302 and death.pk == RosterRow.objects.get(choice__event_date=TODAY - timedelta(days=2)).pk
    page = client.get(f"{url}?tab=changed").content.decode()
    assert f'name="take_{change.pk}_phone" id="id_take_{change.pk}_phone" checked' in page
    client.post(f"{url}choices/?tab=changed", {})                    # the phone change unticked: left
    assert RosterRow.objects.get(pk=change.pk).choice.declined == ["phone"]

    response = client.post(f"{url}apply/", {"apply_death": "on", "apply_changed": "on"}, follow=True)
    page = response.content.decode()
    person = Person.objects.get(id_number=dead)
    assert f"以下 1 人的保障已终止：{person.name}（本年度保障至{day(TODAY - timedelta(days=2))}）" in page
    assert 'data-testid="cover-ended"' in page and f"/scheme-years/{this.pk}/changes/" in page
    assert Person.objects.get(id_number=moved).phone != "13811112222"


@pytest.mark.django_db
def test_the_preview_rows_sort_by_name_in_pinyin_order(tmp_path, commission_admin, client_for):
    from enrollment.rules import make_id_number

    names = ["张三", "阿明", "赵六", "李四", "王五"]
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别\n" + "".join(
        f"{name},{make_id_number('110112', date(1950, 1, 1 + i), 11)},中仓,死亡特扶\n" for i, name in enumerate(names)),
        encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    client = client_for(commission_admin)

    def shown(query):
        page = client.get(f"/roster/imports/{ri.pk}/?tab=new&{query}").content.decode()
        return [n for n in sorted(names, key=page.index)]

    assert shown("") == names                                            # file order
    assert shown("sort=name") == ["阿明", "李四", "王五", "张三", "赵六"]
    assert shown("sort=-name") == ["赵六", "张三", "王五", "李四", "阿明"]
    assert 'aria-sort="ascending"' in client.get(f"/roster/imports/{ri.pk}/?tab=new&sort=name").content.decode()


@pytest.mark.django_db
def test_nothing_in_the_file_is_dropped_without_a_line_in_the_preview(tmp_path, commission_admin):
    from enrollment.rules import make_id_number

    first, second = (make_id_number("110112", date(1950, 1, n), 11) for n in (1, 2))
    path = tmp_path / "花名册.csv"
    path.write_text("序号,姓名,公民身份号码,所属乡镇（街道）,扶助类别,状态,变更日期,备注,配偶身份证号\n"
                    f"1,张三,{first},中仓,死亡特扶,待审核,2026-05-01,已电话核实,{make_id_number('110112', date(1951, 1, 1), 12)}\n"
                    f"2,李四,{second},中仓,死亡特扶,在册,,,\n", encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert ri.new_count == 2
    assert ri.notes == [
        "文件中以下列本系统不保存，未导入：备注。",
        "1 行填写的配偶身份证号未能关联（配偶不在名册和系统中、已与他人关联，或文件前后矛盾）：第2行。",
        "状态列中的“待审核”（1 行）不是死亡或减员，按在册处理。",
        "1 行的“变更日期”填有日期，但状态不是死亡或减员，该日期未导入。",
    ]
