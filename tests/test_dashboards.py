"""The home dashboards of issue 10 (point 3 and 6): every figure agrees with a count made by
hand for the world built here, each role sees only its own (an officer's dashboard holds
nothing of another street), and a page costs the same number of queries however many claims
there are.

The world (the claims tests' 2025 scheme year, the latest begun, so the year every dashboard
shows): street A (中仓) has three insured families, street B (宋庄) two.

    A: a1 paid 3,000.00 on 2 April (1–11 March), then a second stay withdrawn (June);
       a2 decided 1,500.00, unpaid (1–6 April); a3 reported 4 May without documents.
       Publicity delivered to a1. A complaint about street A, received 2 May, overdue.
    B: b1 paid 3,000.00 on 5 April (10–20 March); b2 accepted (10–12 April).
       Publicity delivered to b1.
"""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import services
from enrollment.services import policies_issue
from oversight.models import Complaint, ServiceEntry
from tests.claims.conftest import REPORT_DAY, decided_claim, insurer_user, report, with_documents, year  # noqa: F401
from tests.factories import PersonFactory, make_user
from tongzhou_care.core.models import Insurer, Role

D = date


def _at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


def pay(claim, actor, on):
    return services.payment_record(claim_id=claim.pk, paid_on=on, amount=claim.amount, bank_reference=f"ZH{claim.pk}",
                                   actor=actor, today=max(on, REPORT_DAY))


@pytest.fixture
def world(year, commission_admin, commission_staff, street_a, street_b, officer_a, officer_b, insurer_user):
    a = [PersonFactory(street=street_a, name=n) for n in ("王秀英", "刘建国", "孙玉珍")]
    b = [PersonFactory(street=street_b, name=n) for n in ("赵玉兰", "钱德明")]
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    a1_paid = decided_claim(a[0], officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    pay(a1_paid, insurer_user, D(2025, 4, 2))
    a1_withdrawn = report(a[0], officer_a, D(2025, 6, 1), D(2025, 6, 3))
    services.claim_withdraw(claim_id=a1_withdrawn.pk, reason="家属决定不申请", actor=officer_a)
    a2_decided = decided_claim(a[1], officer_a, insurer_user, D(2025, 4, 1), D(2025, 4, 6))
    a3_reported = report(a[2], officer_a, D(2025, 5, 1), D(2025, 5, 3), today=D(2025, 5, 4))
    a3_reported.__class__.objects.filter(pk=a3_reported.pk).update(reported_at=_at(D(2025, 5, 4)),
                                                                   due_on=D(2025, 5, 7))   # long overdue
    b1_paid = decided_claim(b[0], officer_b, insurer_user, D(2025, 3, 10), D(2025, 3, 20))
    pay(b1_paid, insurer_user, D(2025, 4, 5))
    b2_accepted = with_documents(report(b[1], officer_b, D(2025, 4, 10), D(2025, 4, 12)), officer_b)
    services.claim_accept(claim_id=b2_accepted.pk, actor=insurer_user)
    ServiceEntry.objects.create(person=a[0], kind="publicity", served_on=D(2025, 6, 1), officer=officer_a)
    ServiceEntry.objects.create(person=b[0], kind="publicity", served_on=D(2025, 6, 2), officer=officer_b)
    complaint = Complaint.objects.create(channel="phone", complainant_name="王女士", about="street", street=street_a,
                                         category="attitude", received_on=D(2025, 5, 2), content="态度差",
                                         due_on=D(2025, 5, 23), recorded_by=commission_staff)
    return {"year": year, "a": a, "b": b, "claims_a": [a1_paid, a1_withdrawn, a2_decided, a3_reported],
            "claims_b": [b1_paid, b2_accepted], "complaint": complaint}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def panel(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</section>", start)]


def row(html: str, first_cell: str) -> list[str]:
    """The cells of the table row whose first cell is `first_cell`, as text."""
    match = re.search(r"<tr[^>]*>\s*<th[^>]*>\s*" + re.escape(first_cell) + r"\s*</th>(.*?)</tr>", html, re.S)
    assert match, first_cell
    return [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


# --- The street officer -------------------------------------------------------------------------

@pytest.mark.django_db
def test_officer_dashboard_counts_their_street_and_nothing_else(client_for, officer_a, world):
    html = client_for(officer_a).get("/").content.decode()
    # Insured: three families of A, all on the roster.
    assert 'data-testid="active-count">3<' in html and 'data-testid="insured-count">3<' in html
    # Open claims of A and what each waits for: a2 the insurer's payment, a3 the one-time notice
    # (no document yet); a1's are paid and withdrawn.
    progress = panel(html, "panel-in-progress")
    assert 'data-testid="in-progress-total">2<' in progress
    assert row(progress, "支付") == ["保险公司", "1"] and row(progress, "一次性告知（材料不全）") == ["保险公司", "1"]
    listed = text_of(progress[progress.index('data-testid="in-progress-list"'):])
    assert "刘建国 已核定 等待保险公司：支付" in listed and "孙玉珍" not in listed
    # a3 lacks documents: listed once, in the field tasks above, and said so here.
    assert "其中缺材料的 1 件见上方" in text_of(progress)
    tasks = text_of(html[html.index('data-testid="awaiting-documents"'):])
    assert "孙玉珍 已报案" in tasks and "缺：被保险人身份证、出院小结或诊断证明、收款人银行借记卡" in tasks
    service = text_of(panel(html, "oversight-home"))
    assert "1 项满意度调查待完成" in service                             # a1's paid claim
    assert "2 位参保对象2025年度尚未联系" in service                      # a2, a3
    assert "宣传告知书已送达 1 / 3 户（33.3%）" in service
    assert "1 件投诉已超过办理期限" in service
    # Nothing of street B: no name, no claim number, no B figure.
    for person in world["b"]:
        assert person.name not in html
    for claim in world["claims_b"]:
        assert claim.number not in html
    assert "宋庄" not in html


@pytest.mark.django_db
def test_an_officers_figure_sets_hold_their_street_only(officer_a, commission_staff, world, year, street_a, street_b):
    """The selectors behind the officer's panels, asked as officer A, give A's figures; asked as
    the commission, A's line is the same and B's is B's own."""
    from claims.selectors.figures import claims_in_progress, claims_per_street, paid_per_street
    from enrollment.selectors import insured_per_street
    from oversight.selectors.dashboard import street_table

    from oversight.selectors.dashboard import open_findings_per_street

    plant_findings(street_a, street_b, commission_staff)
    assert open_findings_per_street(officer_a) == {street_a.pk: 3}
    assert open_findings_per_street(commission_staff) == {street_a.pk: 3, street_b.pk: 1}
    assert insured_per_street(officer_a, year) == {street_a.pk: 3}
    assert claims_per_street(officer_a, year) == {street_a.pk: 4}
    assert paid_per_street(officer_a, year) == {street_a.pk: Decimal("3000.00")}
    assert {c.claim for c in claims_in_progress(officer_a, timezone.localdate()).claims} == {
        world["claims_a"][2], world["claims_a"][3]}
    mine = street_table(officer_a, year)
    assert [r.street for r in mine.rows] == [street_a]
    by_street = {r.street.pk: r for r in street_table(commission_staff, year).rows}
    assert mine.rows[0] == by_street[street_a.pk]
    b = by_street[street_b.pk]
    assert (b.insured, b.claims, b.per_hundred, b.paid, b.complaints, b.publicity, b.findings) == (
        2, 2, Decimal("100.0"), Decimal("3000.00"), 0, Decimal("50.0"), 1)


# --- The commission -------------------------------------------------------------------------------

@pytest.mark.django_db
def plant_findings(street_a, street_b, commission_staff):
    """Open findings: A has an inspection finding to rectify, one reported (待验收), one
    accepted (closed) and an open data-check finding: 3 open; B a cancelled inspection finding,
    a dismissed data-check finding and an open one: 1 open."""
    from oversight.models import CheckFinding, Inspection, InspectionFinding

    for street, statuses, checks in ((street_a, ("open", "reported", "accepted"), ("open",)),
                                     (street_b, ("cancelled",), ("dismissed", "open"))):
        inspection = Inspection.objects.create(inspected_on=D(2025, 3, 1), target="street", street=street,
                                               scopes=["claims"], inspectors="巡查组", summary="巡查情况",
                                               created_by=commission_staff)
        for number, status in enumerate(statuses, 1):
            closed = status in ("accepted", "cancelled")
            InspectionFinding.objects.create(
                inspection=inspection, number=number, scope="claims", description="问题", responsible="street",
                responsible_street=street, issued_on=D(2025, 3, 1), deadline_days=10, due_on=D(2025, 3, 15),
                status=status, created_by=commission_staff, closed_at=timezone.now() if closed else None,
                closed_by=commission_staff if closed else None)
        for n, status in enumerate(checks):
            handled = {"note": "核实无误", "handled_at": timezone.now()} if status != "open" else {}
            CheckFinding.objects.create(rule="woman_under_49", key=f"street:{street.pk}:{n}", street=street,
                                        status=status, detail={}, first_found_at=timezone.now(), **handled)


@pytest.mark.django_db
def test_commission_dashboard_street_table_and_claims_by_month(client_for, commission_staff, world, street_a,
                                                               street_b):
    plant_findings(street_a, street_b, commission_staff)
    html = client_for(commission_staff).get("/").content.decode()
    streets = panel(html, "panel-streets")
    #                        insured claims per100  paid        complaints publicity open findings
    assert row(streets, "中仓街道") == ["3", "4", "133.3", "3,000.00", "1", "33.3%", "3"]
    assert row(streets, "宋庄镇") == ["2", "2", "100.0", "3,000.00", "0", "50.0%", "1"]
    assert row(streets, "新华街道") == ["0", "0", "—", "0.00", "0", "—", "0"]
    assert row(streets, "全区") == ["5", "6", "120.0", "6,000.00", "1", "40.0%", "4"]
    months = panel(html, "panel-by-month")
    assert 'data-testid="by-month-total">6<' in months
    header = re.findall(r'<th scope="col" class="num"><a [^>]*>(.*?)</a>', months)
    assert header == ["已报案", "已受理", "已核定", "已支付", "已撤案"]            # the states present, in order
    assert row(months, "2025年3月") == ["0", "0", "0", "2", "0", "2"]
    assert row(months, "2025年4月") == ["0", "1", "1", "0", "0", "2"]
    assert row(months, "2025年5月") == ["1", "0", "0", "0", "0", "1"]
    assert row(months, "2025年6月") == ["0", "0", "0", "0", "1", "1"]
    assert row(months, "2025年7月") == ["0", "0", "0", "0", "0", "0"]
    assert "1 件理赔已超过保险公司服务时限" in text_of(months)
    assert "1 件投诉已超过办理期限" in text_of(panel(html, "panel-supervision"))
    # The chart's data is the table's, sent as JSON for dashboards.js (no inline script).
    data = re.search(r'<script id="chart-by-month" type="application/json">(.*?)</script>', html).group(1)
    import json
    chart = json.loads(data)
    assert chart["labels"][:3] == ["2025年1月", "2025年2月", "2025年3月"]
    assert [d["label"] for d in chart["datasets"]] == header and chart["datasets"][3]["data"][2] == 2
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))[^>]*>", html)


@pytest.mark.django_db
def test_commission_money_and_sla_show_the_years_figures(client_for, commission_staff, world, year):
    """Issue 10's figures (oversight.selectors.figures), as the commission's panels show them,
    against the world counted by hand: premium 5 × 280.00; paid a1 + b1; owed a2; outstanding
    a3 and b2, each estimated at the mean decided amount (3,000 + 1,500 + 3,000) ÷ 3 = 2,500."""
    from oversight.selectors.figures import sla_compliance

    html = client_for(commission_staff).get("/").content.decode()
    money = panel(html, "panel-money")
    assert 'data-testid="money-premium">1,400.00<' in money
    assert 'data-testid="money-paid">6,000.00<' in money
    assert 'data-testid="money-outstanding">6,500.00<' in money               # 1,500 owed + 2 × 2,500
    assert row(money, "已决赔款与未决估计合计") == ["12,500.00"]
    assert 'data-testid="money-loss-ratio">892.9%<' in money                    # 12,500 ÷ 1,400 (the year has ended)
    sla = panel(html, "panel-sla")
    for step in sla_compliance(commission_staff, year, today=timezone.localdate()):
        share = "—" if step.share is None else f"{(step.share * 100).quantize(Decimal('0.1'))}%"
        assert row(sla, step.label) == [str(v) for v in (step.days, step.counted, step.in_time, step.late,
                                                         step.open_late, step.pending)] + [share]


# --- Insurer staff --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_insurer_work_queue(client_for, insurer_user, world):
    html = client_for(insurer_user).get("/").content.decode()
    queue = panel(html, "panel-work-queue")
    assert 'data-testid="queue-total">3<' in queue and 'data-testid="queue-overdue">1<' in queue
    assert row(queue, "受理")[:2] == ["0", "0"]
    assert row(queue, "一次性告知（材料不全）")[:3] == ["1", "逾期 1", "2025-05-07"]   # a3
    assert row(queue, "核定")[:2] == ["1", "0"]                                      # b2
    assert row(queue, "支付")[:2] == ["1", "0"]                                      # a2
    # Their SLA figures and evaluation to date, as the evaluation page computes them.
    from oversight.selectors.figures import insurer_evaluation

    evaluation = insurer_evaluation(insurer_user, world["year"], today=timezone.localdate())
    sla = panel(html, "panel-sla")
    assert f'data-testid="evaluation-total">{evaluation.total.total}<' in sla
    assert f'data-testid="evaluation-grade">{evaluation.total.grade}<' in sla
    indicators = sla.split('data-testid="evaluation-indicators"')[1]
    for indicator in evaluation.indicators:
        cells = row(indicators, indicator.label)
        assert cells[0] == str(indicator.weight)
        assert cells[2] == ("不计分" if indicator.score is None else f"{indicator.score.quantize(Decimal('0.1'))}")
    # Staff of another company see none of it.
    other = make_user(Role.INSURER_STAFF, username="other_insurer",
                      insurer=Insurer.objects.create(name="乙保险公司", hotline="95502"))
    html = client_for(other).get("/").content.decode()
    assert 'data-testid="queue-total">0<' in html
    assert not any(c.number in html for c in world["claims_a"] + world["claims_b"])


# --- Finance ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_finance_premium_against_claims_paid(client_for, finance, world, year):
    from enrollment.selectors import premium_settlement_for

    html = client_for(finance).get("/").content.decode()
    money = panel(html, "panel-premium-paid")
    settlement, _ = premium_settlement_for(year)
    assert settlement.total == Decimal("1400.00")                         # 5 families × 280.00, whole year
    assert 'data-testid="premium-total">1,400.00<' in money and 'data-testid="paid-total">6,000.00<' in money
    # month: headcount, premium of the month (by day: 280 × 31/365 × 5 = 118.90…), paid, stays,
    # running premium, running paid, share
    assert row(money, "2025年1月") == ["5", "118.90", "0.00", "0", "118.90", "0.00", "0.0%"]
    assert row(money, "2025年4月")[2:4] == ["6,000.00", "2"]
    assert row(money, "2025年12月")[4:] == ["1,400.00", "6,000.00", "428.6%"]
    assert not any(p.name in html for p in world["a"] + world["b"])        # money, never a family


# --- Cost -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_each_dashboard_costs_the_same_queries_with_more_claims(client_for, world, officer_a, officer_b,
                                                                commission_staff, insurer_user, finance, street_a):
    users = [officer_a, commission_staff, insurer_user, finance]
    clients = [client_for(u) for u in users]

    def count():
        out = []
        for client in clients:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            out.append(len(queries))
        return out

    before = count()
    for person, officer in ((world["a"][2], officer_a), (world["b"][0], officer_b), (world["b"][1], officer_b)):
        for month in (7, 8):
            claim = decided_claim(person, officer, insurer_user, D(2025, month, 1), D(2025, month, 4))
            if month == 7:
                pay(claim, insurer_user, D(2025, 9, 1))
    report(world["a"][0], officer_a, D(2025, 10, 1), D(2025, 10, 2))
    assert count() == before


@pytest.mark.django_db
def test_finance_months_leave_a_reinstated_policys_gap_out(finance, world, year):
    """A policy removed by mistake and reinstated (issue 12's cover gaps) is billed without the
    gap's days; finance's months add up to the same settlement."""
    from psycopg2.extras import DateRange

    from enrollment.models import Policy
    from enrollment.selectors import premium_months, premium_settlement_for

    policy = Policy.objects.get(person=world["a"][0], scheme_year=year)
    Policy.objects.filter(pk=policy.pk).update(cover_gaps=[DateRange(D(2025, 5, 2), D(2025, 6, 11))])  # 40 days
    settlement, _ = premium_settlement_for(year)
    assert settlement.total == Decimal("1369.32")        # 4 × 280.00 + 280 × 325 / 365 = 249.32
    months = premium_months(finance, year)
    assert sum(m.amount for m in months) == settlement.total
    assert [m.headcount for m in months][4:6] == [5, 4]   # 1 June falls in the gap
