"""Scheme years, policies and the change list on real PostgreSQL: what the commission sets,
what the insurer is told, and what the database refuses."""

import io
import subprocess
import tempfile
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from enrollment.models import ContractAmendment, Person, PersonStatus, Policy, PolicyChange, SchemeYear
from enrollment.services import person_update, policies_issue, scheme_year_save
from tests.factories import PersonFactory, SchemeYearFactory
from tongzhou_care.core.rules import RuleViolation

TODAY = timezone.localdate()


@pytest.fixture
def year(db):
    """The current scheme year: covering today, so mid-year changes apply to it."""
    return SchemeYearFactory(name="本年度", coverage_start=TODAY - timedelta(days=100),
                             coverage_end=TODAY - timedelta(days=100) + timedelta(days=364))


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True,
                              text=True, check=True).stdout


def pdf_pages(content: bytes) -> int:
    import pikepdf
    with pikepdf.Pdf.open(io.BytesIO(content)) as pdf:
        return len(pdf.pages)


# --- Scheme year settings -------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", [
    ("premium_per_person", Decimal("300.01"), "不超过300元"),
    ("daily_subsidy", Decimal("299.00"), "不得少于300元"),
    ("day_cap", 0, "1至90天"),
    ("day_cap", 91, "1至90天"),                      # 一年累计理赔天数不超过90天
    # 保障周期为1年: a year from 1 January ends on 31 December, not on 1 January
    ("coverage_end", lambda year: year.coverage_start.replace(year=year.coverage_start.year + 1), "保障周期为1年"),
])
def test_scheme_year_settings_refused_with_reason(commission_admin, field, value, message):
    year = SchemeYearFactory.build()
    setattr(year, field, value(year) if callable(value) else value)
    with pytest.raises(RuleViolation, match=message):
        scheme_year_save(scheme_year=year, actor=commission_admin)


@pytest.mark.django_db
@pytest.mark.parametrize("sql, constraint", [
    ("UPDATE enrollment_schemeyear SET premium_per_person = 300.01", "schemeyear_premium_within_ceiling"),
    ("UPDATE enrollment_schemeyear SET daily_subsidy = 200", "schemeyear_subsidy_floor"),
    ("UPDATE enrollment_schemeyear SET coverage_end = coverage_start", "schemeyear_coverage_ordered"),
    ("UPDATE enrollment_schemeyear SET coverage_end = coverage_start + 366", "schemeyear_coverage_one_year"),
    ("UPDATE enrollment_schemeyear SET day_cap = 91", "schemeyear_day_cap_range"),
    ("UPDATE enrollment_schemeyear SET eligible_categories = '{poverty}'", "schemeyear_categories_valid"),
])
def test_database_refuses_bad_settings_whatever_the_path(year, sql, constraint):
    from django.db import connection
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)


@pytest.mark.django_db
def test_scheme_years_cannot_overlap(year, commission_admin):
    other = SchemeYearFactory.build(coverage_start=year.coverage_end, coverage_end=year.coverage_end + timedelta(days=364))
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError, match="重叠"):
        scheme_year_save(scheme_year=other, actor=commission_admin)


@pytest.mark.django_db
def test_money_settings_change_only_by_amendment_once_claims_are_decided(year, commission_admin):
    year.daily_subsidy = Decimal("320.00")
    scheme_year_save(scheme_year=year, actor=commission_admin)      # no claim decided yet
    assert not ContractAmendment.objects.exists()
    SchemeYear.objects.filter(pk=year.pk).update(money_locked_at=timezone.now())
    year.refresh_from_db()
    year.daily_subsidy = Decimal("350.00")
    with pytest.raises(RuleViolation, match="合同变更"):
        scheme_year_save(scheme_year=year, actor=commission_admin)
    assert SchemeYear.objects.get(pk=year.pk).daily_subsidy == Decimal("320.00")
    with pytest.raises(RuleViolation, match="生效日期须在本保险年度内"):
        scheme_year_save(scheme_year=year, actor=commission_admin, amendment_reason="补充协议第1号",
                         amendment_date=year.coverage_end + timedelta(days=1))
    scheme_year_save(scheme_year=year, actor=commission_admin, amendment_date=TODAY,
                     amendment_reason="补充协议第1号")
    amendment = ContractAmendment.objects.get()
    assert amendment.changes == {"daily_subsidy": ["320.00", "350.00"]}
    assert (amendment.reason, amendment.created_by) == ("补充协议第1号", commission_admin)
    # Other settings (the contract number) still change without an amendment.
    year.contract_number = "TZWJW-NEW"
    scheme_year_save(scheme_year=year, actor=commission_admin)
    assert ContractAmendment.objects.count() == 1


# --- Policies ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_issue_covers_the_roster_from_coverage_start_once(year, commission_admin, street_a):
    persons = PersonFactory.create_batch(3, street=street_a)
    PersonFactory(street=street_a, category="reward")                          # not insured
    PersonFactory(street=street_a, status=PersonStatus.DECEASED,              # died before the year
                  status_date=year.coverage_start - timedelta(days=1))
    # On the roster at the start, died since, before the policies were issued: insured until then.
    died = PersonFactory(street=street_a, status=PersonStatus.DECEASED, status_date=TODAY - timedelta(days=5))
    assert policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY) == 4
    policies = Policy.objects.filter(scheme_year=year).exclude(person=died).order_by("number")
    assert [p.person for p in policies] == sorted(persons, key=lambda p: p.pk)
    assert {(p.cover_start, p.cover_end) for p in policies} == {(year.coverage_start, year.coverage_end)}
    assert [p.number for p in policies] == [f"TZ{year.coverage_start:%Y}-00000{i}" for i in (1, 2, 3)]
    ended = Policy.objects.get(person=died)
    assert (ended.number, ended.cover_start, ended.cover_end, ended.end_reason) == (
        f"TZ{year.coverage_start:%Y}-000004", year.coverage_start, died.status_date, "death")
    # The roster at the start is not a change; the death since is.
    change = PolicyChange.objects.get()
    assert (change.policy, change.kind, change.effective_date) == (ended, "removal", died.status_date)
    # Issuing again creates nothing new.
    assert policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY) == 0
    assert Policy.objects.count() == 4


@pytest.mark.django_db
def test_one_policy_per_person_per_year_in_the_database(year, person_a):
    Policy.objects.create(scheme_year=year, person=person_a, number="X1", day_cap=90,
                          cover_start=year.coverage_start, cover_end=year.coverage_end)
    with pytest.raises(IntegrityError, match="policy_one_per_person_year"), transaction.atomic():
        Policy.objects.create(scheme_year=year, person=person_a, number="X2", day_cap=90,
                              cover_start=year.coverage_start, cover_end=year.coverage_end)


@pytest.mark.django_db
def test_person_added_mid_year_is_covered_from_the_day_after_notice(year, commission_admin, street_a):
    PersonFactory(street=street_a)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    newcomer = PersonFactory(street=street_a)
    assert policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY) == 1
    policy = Policy.objects.get(person=newcomer)
    assert (policy.cover_start, policy.cover_end) == (TODAY + timedelta(days=1), year.coverage_end)
    change = PolicyChange.objects.get()
    assert (change.kind, change.effective_date, change.notified_on) == ("addition", policy.cover_start, TODAY)


@pytest.mark.django_db
def test_recorded_death_ends_cover_and_is_listed(year, commission_admin, person_a):
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    died = TODAY - timedelta(days=10)
    person_update(person_id=person_a.pk, version=person_a.version, actor=commission_admin,
                  changes={"status": PersonStatus.DECEASED, "status_date": died})
    policy = Policy.objects.get(person=person_a)
    assert (policy.cover_end, policy.end_reason) == (died, "death")
    change = PolicyChange.objects.get()
    assert (change.kind, change.effective_date, change.reason) == ("removal", died, "死亡")


@pytest.mark.django_db
def test_a_corrected_death_date_moves_the_cover_end_both_ways(year, commission_admin, person_a):
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    died, corrected = TODAY - timedelta(days=30), TODAY - timedelta(days=10)
    person = person_update(person_id=person_a.pk, version=person_a.version, actor=commission_admin,
                           changes={"status": PersonStatus.DECEASED, "status_date": died})
    person = person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                           changes={"status_date": corrected})
    policy = Policy.objects.get(person=person_a)
    assert (policy.cover_end, policy.end_reason) == (corrected, "death")
    person = person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                           changes={"status_date": died})
    policy.refresh_from_db()
    assert policy.cover_end == died
    lines = list(PolicyChange.objects.order_by("pk").values_list("effective_date", "reason"))
    assert lines == [(died, "死亡"), (corrected, f"死亡（更正，原为 {died:%Y-%m-%d}）"),
                     (died, f"死亡（更正，原为 {corrected:%Y-%m-%d}）")]
    # Nothing to correct: a later sync leaves the policy and the change list alone.
    person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                  changes={"phone": "13912345678"})
    assert PolicyChange.objects.count() == 3


@pytest.mark.django_db
def test_roster_import_flows_into_policies(year, commission_admin, tmp_path):
    from enrollment.services import roster_import_apply, roster_import_preview
    from tests import rosters

    roster = rosters.sample(year=year.coverage_start.year)
    path = rosters.as_xlsx(roster, tmp_path, "a.xlsx")
    ri = roster_import_preview(path=path, file_name="a.xlsx", roster_year=year.coverage_start.year,
                               actor=commission_admin)
    roster_import_apply(roster_import_id=ri.pk, actor=commission_admin, kinds={"new"}, skip_errors=False)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    issued = Policy.objects.count()
    # Next import: one person more, one person fewer.
    dropped = roster.rows.pop(roster.header_row)
    extra = list(roster.rows[roster.header_row])
    from enrollment.rules import make_id_number
    extra[3] = make_id_number("110112", date(1950, 3, 3), 451)
    extra[1], extra[2], extra[4], extra[9], extra[11] = "新增测试", "男", "1950-03-03", "死亡特扶", ""
    roster.rows.insert(roster.header_row, extra)
    path = rosters.as_xlsx(roster, tmp_path, "b.xlsx")
    ri = roster_import_preview(path=path, file_name="b.xlsx", roster_year=year.coverage_start.year,
                               actor=commission_admin)
    roster_import_apply(roster_import_id=ri.pk, actor=commission_admin, kinds={"new", "missing"},
                        skip_errors=False, removal_date=TODAY, removal_reason="迁出")
    assert Policy.objects.count() == issued + 1
    added = PolicyChange.objects.get(kind="addition")
    assert added.policy.person.name == "新增测试" and added.effective_date == TODAY + timedelta(days=1)
    removed = PolicyChange.objects.get(kind="removal")
    assert removed.policy.person.id_number == dropped[3].upper()
    assert removed.policy.cover_end == TODAY and removed.reason == "减员：迁出"


@pytest.mark.django_db
def test_change_list_export(year, commission_admin, client_for, street_a):
    PersonFactory(street=street_a)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    newcomer = PersonFactory(street=street_a, name="增员甲")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    response = client_for(commission_admin).get(f"/scheme-years/{year.pk}/changes.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("类型", "保单号", "姓名", "公民身份号码")
    assert rows[1][0] == "增员" and rows[1][2] == "增员甲"
    assert rows[1][3] == newcomer.id_number[:6] + "********" + newcomer.id_number[-4:]
    assert rows[1][5].date() == TODAY + timedelta(days=1)


@pytest.mark.django_db
def test_a_category_added_after_issue_adds_its_persons_mid_year(year, commission_admin, street_a):
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    disabled = PersonFactory(street=street_a, category="disability")
    assert not Policy.objects.filter(person=disabled).exists()
    year.eligible_categories = [*year.eligible_categories, "disability"]
    scheme_year_save(scheme_year=year, actor=commission_admin)
    policy = Policy.objects.get(person=disabled)
    assert policy.cover_start == timezone.localdate() + timedelta(days=1)
    assert PolicyChange.objects.get(policy=policy).kind == "addition"


@pytest.mark.django_db
def test_a_later_event_does_not_reopen_an_ended_policy(year, commission_admin, person_a):
    """Removed, then recorded dead months later: the policy stays ended on the removal day."""
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    removed_on, died_on = TODAY - timedelta(days=60), TODAY - timedelta(days=5)
    person = person_update(person_id=person_a.pk, version=person_a.version, actor=commission_admin,
                           changes={"status": PersonStatus.REMOVED, "status_date": removed_on,
                                    "removal_reason": "迁出"})
    person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                  changes={"status": PersonStatus.DECEASED, "status_date": died_on})
    policy = Policy.objects.get(person=person_a)
    assert (policy.cover_end, policy.end_reason) == (removed_on, "removal")
    assert PolicyChange.objects.count() == 1
