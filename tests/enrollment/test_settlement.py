"""保费结算 and 承保清单: the amounts the finance bureau checks and the list the insurer gets."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from enrollment.models import Person, PersonStatus, Policy
from enrollment.services import person_update, policies_issue
from tests.enrollment.test_cover import pdf_text
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tongzhou_care.core.models import AccessLog, Insurer, Role


@pytest.fixture
def year(db, commission_admin, street_a):
    """2026 at 280 元 by day: 3 persons from 1 January, one died on 20 May (covered 140 days),
    one added when the insurer was told on 11 April (covered from 12 April: 264 days)."""
    year = SchemeYearFactory(name="结算年度", coverage_start=date(2026, 1, 1), coverage_end=date(2026, 12, 31),
                             premium_per_person=Decimal("280.00"))
    people = PersonFactory.create_batch(3, street=street_a)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=date(2026, 1, 1))
    PersonFactory(street=street_a, name="年中增员")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=date(2026, 4, 11))
    person_update(person_id=people[0].pk, version=people[0].version, actor=commission_admin,
                  changes={"status": PersonStatus.DECEASED, "status_date": date(2026, 5, 20)})
    return year


def _content(response):
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_settlement_page_by_day(year, client_for, finance):
    body = client_for(finance).get(f"/scheme-years/{year.pk}/premium/").content.decode()
    # 280 × 2 full years + 280 × 140/365 (died: 107.40) + 280 × 264/365 (added: 202.52)
    assert 'data-testid="premium-total">869.92<' in body
    assert 'data-testid="start-headcount">3<' in body
    assert "年中增员" in body and "未超上限" in body
    assert "1,200.00" in body                                     # cap: 4 persons × 300


@pytest.mark.django_db
def test_settlement_excel_and_pdf(year, client_for, finance):
    client = client_for(finance)
    workbook = openpyxl.load_workbook(io.BytesIO(_content(client.get(f"/scheme-years/{year.pk}/premium.xlsx"))))
    assert workbook.sheetnames == ["结算汇总", "各月在保人数", "增减员明细"]
    summary = {row[0]: row[1] for row in workbook["结算汇总"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert summary["年初参保人数"] == 3 and summary["全年参保人数"] == 4
    lines = list(workbook["增减员明细"].iter_rows(min_row=2, values_only=True))
    assert {line[0] for line in lines} == {"增员", "减员"}
    assert Decimal(str(summary["应付保费合计（元）"])) == Decimal("869.92")
    text = pdf_text(_content(client.get(f"/scheme-years/{year.pk}/premium.pdf")))
    assert "保费结算单" in text and "869.92" in text and "人民币捌佰陆拾玖元玖角贰分" in text
    assert AccessLog.objects.filter(user=finance, action="export").count() == 2


@pytest.mark.django_db
def test_finance_reads_but_never_writes(year, client_for, finance):
    client = client_for(finance)
    assert client.get(f"/scheme-years/{year.pk}/").status_code == 200
    assert client.post(f"/scheme-years/{year.pk}/issue/").status_code == 403
    # No policy number (TZ2025-000001); a bare "TZ" also turns up in random CSRF tokens.
    assert not re.search(r"TZ\d{4}-\d+", client.get(f"/scheme-years/{year.pk}/policies/").content.decode())


@pytest.mark.parametrize("proration, expected", [
    ("start", Decimal("840.00")),    # 3 at the start × 280; the addition costs nothing more
    # 2 × 280 + 280 × 5/12 (covered on 1 January … 1 May: 116.67) + 280 × 8/12 (from 1 May: 186.67)
    ("month", Decimal("863.34")),
])
@pytest.mark.django_db
def test_settlement_follows_the_contract_rule(year, proration, expected):
    from enrollment.selectors import premium_settlement_for

    year.proration = proration
    year.save()
    settlement, _ = premium_settlement_for(year)
    assert settlement.total == expected


@pytest.mark.django_db
def test_insured_list_masked_and_full(year, client_for, commission_admin, commission_staff):
    staff = client_for(commission_staff)
    rows = list(openpyxl.load_workbook(io.BytesIO(_content(staff.get(f"/scheme-years/{year.pk}/insured.xlsx"))))
                .active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 and all("********" in r[3] for r in rows)
    assert staff.post(f"/scheme-years/{year.pk}/insured.xlsx", {"reason": "核对"}).status_code == 403
    admin = client_for(commission_admin)
    rows = list(openpyxl.load_workbook(io.BytesIO(_content(
        admin.post(f"/scheme-years/{year.pk}/insured.xlsx", {"reason": "承保核对"})))).active.iter_rows(
        min_row=2, values_only=True))
    ids = set(Policy.objects.values_list("person__id_number", flat=True))
    assert {r[3] for r in rows} == ids
    log = AccessLog.objects.filter(target__startswith="承保清单（完整）").get()
    assert (log.rows, log.reason) == (4, "承保核对")


@pytest.mark.django_db
def test_insurer_sees_only_its_own_contracts(year, client_for, street_a):
    ours = make_user(Role.INSURER_STAFF, insurer=year.insurer)
    other_company = Insurer.objects.create(name="另一家保险公司")
    theirs = make_user(Role.INSURER_STAFF, insurer=other_company)
    person = Policy.objects.filter(scheme_year=year).first().person
    assert client_for(ours).get(f"/scheme-years/{year.pk}/").status_code == 200
    assert client_for(ours).get(f"/persons/{person.pk}/").status_code == 200
    assert client_for(theirs).get(f"/scheme-years/{year.pk}/").status_code == 404
    assert client_for(theirs).get(f"/persons/{person.pk}/").status_code == 404
    assert year.name not in client_for(theirs).get("/scheme-years/").content.decode()


@pytest.mark.django_db
def test_officers_have_no_scheme_year_pages_but_see_cover_on_the_person(year, client_for, officer_a):
    client = client_for(officer_a)
    assert client.get(f"/scheme-years/{year.pk}/").status_code == 404
    person = Policy.objects.filter(scheme_year=year).first().person
    body = client.get(f"/persons/{person.pk}/").content.decode()
    assert 'data-testid="person-policies"' in body and "下载PDF" in body


@pytest.mark.django_db
def test_a_person_added_and_removed_in_one_year_is_listed_as_both(year, client_for, finance, commission_admin):
    added = Person.objects.get(name="年中增员")
    person_update(person_id=added.pk, version=added.version, actor=commission_admin,
                  changes={"status": PersonStatus.REMOVED, "status_date": date(2026, 12, 21), "removal_reason": "迁出"})
    workbook = openpyxl.load_workbook(io.BytesIO(_content(client_for(finance).get(
        f"/scheme-years/{year.pk}/premium.xlsx"))))
    kinds = {line[2]: line[0] for line in workbook["增减员明细"].iter_rows(min_row=2, values_only=True)}
    assert kinds["年中增员"] == "增员、减员"


@pytest.mark.django_db
def test_settlement_names_the_end_reason_only_when_it_says_more(year, client_for, finance, commission_admin):
    """减员（死亡） tells why; a removal is 减员, never 减员（减员）, on the page and the printout."""
    added = Person.objects.get(name="年中增员")
    person_update(person_id=added.pk, version=added.version, actor=commission_admin,
                  changes={"status": PersonStatus.REMOVED, "status_date": date(2026, 12, 21), "removal_reason": "迁出"})
    client = client_for(finance)
    page = client.get(f"/scheme-years/{year.pk}/premium/").content.decode()
    printout = pdf_text(_content(client.get(f"/scheme-years/{year.pk}/premium.pdf")))
    for text in (page, printout):
        assert "减员（死亡）" in text and "增员、减员" in text
        assert "减员（减员）" not in text
