"""The figure selectors (oversight/selectors/figures.py) against a small world made with the real
services, every expected figure counted by hand for that world; each role's scope."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from claims.models import Claim
from claims.services import payment_record
from enrollment.selectors import premium_settlement_for
from oversight.models import Complaint, Survey
from oversight.selectors.figures import (
    claims_behind,
    insurer_evaluation,
    person_groups,
    premium_recommendation,
    sla_compliance,
    year_figures,
)
from tests.claims.conftest import decided_claim, report
from tests.factories import make_user
from tongzhou_care.core.models import Insurer, Role

pytestmark = pytest.mark.django_db

END = date(2025, 12, 31)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture
def world(year, insured, commission_staff, insurer_user):
    """Street A: a1 paid 10 days (3,000), a2 decided 5 days (1,500) and unpaid; street B: b1
    reported, not accepted. Timestamps set so each SLA step is in time or late on purpose
    (2025 calendar: 4 April is the 清明 holiday)."""
    a1, a2, b1 = insured["a1"], insured["a2"], insured["b1"]
    c1 = decided_claim(a1, commission_staff, insurer_user, date(2025, 3, 1), date(2025, 3, 11))
    payment_record(claim_id=c1.pk, paid_on=date(2025, 4, 3), amount=D("3000.00"), bank_reference="B1",
                   actor=insurer_user, today=date(2025, 4, 3))
    c2 = decided_claim(a2, commission_staff, insurer_user, date(2025, 4, 1), date(2025, 4, 6))
    c3 = report(b1, commission_staff, date(2025, 5, 1), date(2025, 5, 3))
    # c1: reported Wed 12 March, accepted Fri 14th (due 14th: in time); decided Mon 24th (due
    # Fri 21st: late); paid Thu 3 April (due: 10 working days after 24 March, skipping the
    # 4 April holiday, is 8 April: in time).
    Claim.objects.filter(pk=c1.pk).update(reported_at=at("2025-03-12"), accepted_at=at("2025-03-14"),
                                          decided_at=at("2025-03-24"), paid_at=at("2025-04-03"))
    # c2: reported Mon 7 April, accepted Thu 10th (due Wed 9th: late), decided Fri 11th (in
    # time), unpaid and past its payment deadline.
    Claim.objects.filter(pk=c2.pk).update(reported_at=at("2025-04-07"), accepted_at=at("2025-04-10"),
                                          decided_at=at("2025-04-11"), due_step="pay", due_on=date(2025, 4, 25))
    # c3: reported, never answered, past its acceptance deadline.
    Claim.objects.filter(pk=c3.pk).update(reported_at=at("2025-05-06"), due_step="accept", due_on=date(2025, 5, 8))
    return {"c1": c1, "c2": c2, "c3": c3}


def test_year_figures_district(year, world, commission_staff, finance):
    for user in (commission_staff, finance):
        f = year_figures(user, year, today=END)
        # 3 persons covered all year at 280 元: 840 元, 3 person-years, year ended: all earned.
        assert (f.persons, f.exposure, f.premium, f.earned_premium, f.running) == (3, D(3), D("840.00"), D("840.00"), False)
        assert (f.claims_reported, f.claims_decided, f.claims_paid, f.claims_outstanding) == (3, 2, 1, 1)
        assert (f.paid_days, f.paid_amount, f.paid_stays, f.owed_amount) == (10, D("3000.00"), 1, D("1500.00"))
        # Mean decided (3,000 + 1,500) / 2 = 2,250; incurred 3,000 + 1,500 + 1 × 2,250 = 6,750.
        assert (f.mean_decided, f.outstanding_estimate, f.incurred) == (D("2250.00"), D("2250.00"), D("6750.00"))
        assert f.loss_ratio == D("6750.00") / D("840.00")
        assert f.frequency == D(1)                     # 3 stays (2 decided, 1 open) / 3 person-years
        assert f.mean_paid_days == D(10) and f.share_at_cap == D(0)


def test_year_figures_agree_with_the_premium_settlement(year, world, commission_staff):
    settlement, _ = premium_settlement_for(year)
    assert year_figures(commission_staff, year, today=END).premium == settlement.total


def test_year_figures_to_date_earn_part_of_the_premium(year, world, commission_staff):
    # 30 June 2025 is day 181 of 365: 3 × 181 / 365 person-years; earned 840 × 181/365 = 416.55.
    f = year_figures(commission_staff, year, today=date(2025, 6, 30))
    assert f.running and f.exposure_to_date == D(3 * 181) / D(365) and f.earned_premium == D("416.55")
    assert f.loss_ratio == D("6750.00") / D("416.55")


def test_year_figures_street_and_insurer_scope(year, world, officer_a, officer_b, insurer_user):
    a = year_figures(officer_a, year, today=END)
    # Street A only: a1 and a2 (560 元), their two decided claims, nothing outstanding.
    assert (a.persons, a.premium, a.claims_reported, a.claims_outstanding, a.paid_amount, a.owed_amount,
            a.incurred) == (2, D("560.00"), 2, 0, D("3000.00"), D("1500.00"), D("4500.00"))
    b = year_figures(officer_b, year, today=END)
    assert (b.persons, b.premium, b.claims_reported, b.claims_outstanding, b.paid_amount, b.mean_decided,
            b.incurred) == (1, D("280.00"), 1, 1, D("0.00"), None, D("0.00"))
    assert year_figures(insurer_user, year, today=END).incurred == D("6750.00")
    other = make_user(Role.INSURER_STAFF, insurer=Insurer.objects.create(name="他保险公司", hotline="95511"))
    nothing = year_figures(other, year, today=END)
    assert (nothing.persons, nothing.premium, nothing.claims_reported, nothing.loss_ratio) == (0, D("0.00"), 0, None)


def test_sla_compliance(year, world, commission_staff, officer_a):
    steps = {s.step: s for s in sla_compliance(commission_staff, year, today=END)}
    # accept: c1 in time, c2 late, c3 still open past its deadline -> 1 of 3.
    assert (steps["accept"].in_time, steps["accept"].late, steps["accept"].open_late) == (1, 1, 1)
    assert steps["accept"].share == D(1) / D(3)
    # decide: c1 late, c2 in time; pay: c1 in time, c2 open and late.
    assert (steps["decide"].in_time, steps["decide"].late, steps["decide"].open_late) == (1, 1, 0)
    assert (steps["pay"].in_time, steps["pay"].late, steps["pay"].open_late) == (1, 0, 1)
    assert steps["refusal_notice"].counted == 0 and steps["refusal_notice"].share is None
    mine = {s.step: s for s in sla_compliance(officer_a, year, today=END)}
    assert (mine["accept"].in_time, mine["accept"].late, mine["accept"].open_late) == (1, 1, 0)


def test_sla_pending_is_not_counted(year, world, commission_staff):
    # On 7 May c3's deadline (8 May) has not passed: pending, not late.
    accept = next(s for s in sla_compliance(commission_staff, year, today=date(2025, 5, 7)) if s.step == "accept")
    assert (accept.in_time, accept.late, accept.open_late, accept.pending) == (1, 1, 0, 1)


def test_sla_due_day_is_in_time(year, world, commission_staff):
    # Paid on the due day itself (8 April, the 10th working day after 24 March): in time.
    Claim.objects.filter(pk=world["c1"].pk).update(paid_at=at("2025-04-08", 23))
    pay = next(s for s in sla_compliance(commission_staff, year, today=END) if s.step == "pay")
    assert pay.in_time == 1
    Claim.objects.filter(pk=world["c1"].pk).update(paid_at=at("2025-04-09", 0))
    pay = next(s for s in sla_compliance(commission_staff, year, today=END) if s.step == "pay")
    assert (pay.in_time, pay.late) == (0, 1)


def test_claims_behind(year, world, commission_staff, officer_a):
    def numbers(user, key):
        return {c.number for c in claims_behind(user, year, key, today=END)}

    c1, c2, c3 = (world[k].number for k in ("c1", "c2", "c3"))
    assert numbers(commission_staff, "accept") == {c2, c3}
    assert numbers(commission_staff, "decide") == {c1}
    assert numbers(commission_staff, "pay") == {c2}
    assert numbers(commission_staff, "full_payment") == set()
    assert numbers(commission_staff, "outstanding") == {c3}
    assert numbers(officer_a, "accept") == {c2}                 # c3 is street B's


def _complaint(insurer, received, due, commission_staff, **extra):
    return Complaint.objects.create(channel="phone", complainant_name="投诉人", about="insurer", insurer=insurer,
                                    category="claim_speed", received_on=received, due_on=due, content="慢",
                                    recorded_by=commission_staff, **extra)


def test_insurer_evaluation(year, world, commission_staff, insurer_user, finance):
    # One complaint closed in time, one open past its deadline; c1's survey answered 4 overall.
    _complaint(year.insurer, date(2025, 5, 1), date(2025, 5, 22), commission_staff, status="closed",
               handler=commission_staff, assigned_at=at("2025-05-02"), reply="已处理", replied_at=at("2025-05-10"),
               satisfaction="satisfied", closed_on=date(2025, 5, 20))
    _complaint(year.insurer, date(2025, 6, 1), date(2025, 6, 20), commission_staff)
    Survey.objects.filter(claim=world["c1"]).update(
        status="answered", method="phone", surveyed_on=date(2025, 4, 10), score_reporting=5, score_documents=5,
        score_payment_speed=4, score_amount=4, score_attitude=5, score_overall=4)
    for user in (commission_staff, insurer_user, finance):
        e = insurer_evaluation(user, year, today=END)
        by_key = {i.key: i for i in e.indicators}
        assert by_key["sla_accept"].value == D(1) / D(3)
        assert by_key["full_payment"].value == D(1)
        # 2 complaints over 3 claims: 66.7 per hundred, beyond 5: scores 0.
        assert by_key["complaint_rate"].score == D(0)
        assert by_key["complaints_in_time"].value == D("0.5")
        assert (by_key["satisfaction"].value, by_key["satisfaction"].score) == (D("4.00"), D(75))
        assert by_key["loss_ratio"].score == D(100)
        # (10 × 33.33… + 15 × 50 + 15 × 50 + 10 × 100 + 10 × 0 + 10 × 50 + 20 × 75 + 10 × 100) / 100 = 58.33
        assert (e.total.total, e.total.grade) == (D("58.3"), "不合格")


def test_full_payment_catches_an_open_supplement(year, world, commission_staff, insurer_user):
    from claims.models import Supplement, SupplementPortion

    supplement = Supplement.objects.create(claim=world["c1"], sequence=1, cause="amendment", note="补", days_difference=0,
                                           amount_difference=D("100.00"), decided_at=at("2025-06-01"),
                                           decided_by=insurer_user)
    SupplementPortion.objects.create(supplement=supplement, policy=world["c1"].portions.get().policy,
                                     days_difference=0, amount_difference=D("100.00"))
    e = insurer_evaluation(commission_staff, year, today=END)
    assert next(i for i in e.indicators if i.key == "full_payment").value == D(0)
    assert {c.number for c in claims_behind(commission_staff, year, "full_payment", today=END)} == {world["c1"].number}
    # The open supplement is owed: incurred grows by 100.
    assert year_figures(commission_staff, year, today=END).owed_amount == D("1600.00")


def test_premium_recommendation(year, world, commission_staff):
    # Covered days: a1 10 (decided), a2 5 (decided), b1 2 (reported 1–3 May, counted from its
    # dates: 3 − 1 = 2). Cost at 300 元: 3,000 + 1,500 + 600 = 5,100 over 3 person-years = 1,700;
    # / 0.85 = 2,000.00. What-if cap 4 at 400 元: (4 + 4 + 2) × 400 = 4,000 / 3 = 1,333.33;
    # / 0.85 = 1,568.63.
    assert sorted((g.days, g.count) for g in person_groups(commission_staff, year, today=END)) == [(2, 1), (5, 1), (10, 1)]
    outlook = premium_recommendation(commission_staff, year, today=END, subsidy=D("400"), cap=4)
    assert (outlook.current.expected_cost, outlook.current.premium) == (D("1700.00"), D("2000.00"))
    assert outlook.current.over_ceiling
    assert outlook.what_if.premium == D("1568.63")
    assert premium_recommendation(commission_staff, year, today=END).what_if is None
    assert premium_recommendation(commission_staff, year, today=END, target=D("100")).what_if.premium == D("1700.00")


def test_month_and_start_proration_match_the_settlement(year, world, commission_staff, street_a, commission_admin):
    from enrollment.models import Policy, SchemeYear
    from tests.factories import PersonFactory, PolicyFactory

    # A mid-year addition and an early end, under each proration rule.
    PolicyFactory(scheme_year=year, person=PersonFactory(street=street_a), cover_start=date(2025, 3, 16))
    Policy.objects.filter(person=world["c2"].person).update(cover_end=date(2025, 8, 9), end_reason="death")
    for rule in ("month", "start", "day"):
        SchemeYear.objects.filter(pk=year.pk).update(proration=rule)
        year.refresh_from_db()
        settlement, _ = premium_settlement_for(year)
        assert year_figures(commission_staff, year, today=END).premium == settlement.total, rule


def test_sql_calendar_agrees_with_add_working_days():
    """The due days the SLA query reads are those of claims.rules.add_working_days, across the
    2025 holidays (清明, 劳动节 with its make-up Sunday 27 April, 国庆) and for n = 0."""
    from claims.rules import add_working_days
    from oversight.selectors.figures import _due_days
    from tongzhou_care.core.workdays import is_workday

    first, last = date(2025, 1, 1), date(2025, 12, 31)
    days, dues = _due_days(first, last, (0, 2, 5, 10))
    for i, day in enumerate(days):
        for n, due in zip((0, 2, 5, 10), dues):
            assert due[i] == add_working_days(day, n, is_workday=is_workday), (day, n)
