"""Oversight reads: each model's selector keeps another street's (or company's) rows out, the
not-contacted list, the survey figures and the untrained streets count what they say."""

from datetime import date
from decimal import Decimal

import pytest

from oversight.models import Complaint, ServiceEntry, Survey, SurveySample, TrainingAttendance, TrainingSession
from oversight.selectors.complaints import (
    complaint_handler_choices,
    complaints_addressed_to,
    complaints_visible_to,
    overdue_complaints_addressed_to,
)
from oversight.selectors.service_log import persons_not_contacted, service_entries_visible_to
from oversight.selectors.surveys import survey_figures, survey_samples_visible_to, surveys_visible_to
from oversight.selectors.training import streets_without_trained_officer, training_sessions_visible_to
from tests.factories import PersonFactory, make_user, street
from tongzhou_care.core.models import Insurer, Role

pytestmark = pytest.mark.django_db


def _entry(person, officer, served_on, **extra):
    return ServiceEntry.objects.create(person=person, kind="phone_follow_up", served_on=served_on, officer=officer,
                                       **extra)


# --- Service log ---------------------------------------------------------------------------

def test_service_log_scope(officer_a, officer_b, commission_staff, insurer_user, finance, insured):
    mine = _entry(insured["a1"], officer_a, date(2025, 3, 1))
    theirs = _entry(insured["b1"], officer_b, date(2025, 3, 1))
    assert list(service_entries_visible_to(officer_a)) == [mine]
    assert set(service_entries_visible_to(commission_staff)) == {mine, theirs}
    assert not service_entries_visible_to(insurer_user).exists()      # insurers see none of the log
    assert not service_entries_visible_to(finance).exists()


def test_not_contacted_this_scheme_year(year, officer_a, officer_b, commission_staff, insured, street_a, commission_admin):
    a1, a2 = insured["a1"], insured["a2"]
    uninsured = PersonFactory(street=street_a, name="无保单", category="reward")  # not insured: no policy
    deceased = PersonFactory(street=street_a, name="已故者")
    from enrollment.services import policies_issue
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=date(2025, 2, 1))
    deceased.status, deceased.status_date = "deceased", date(2025, 3, 1)
    deceased.save()
    assert not uninsured.policies.exists()
    _entry(a1, officer_a, date(2024, 12, 31))      # last year only: still to contact this year
    _entry(a2, officer_a, date(2025, 1, 1))        # the first day of the year counts
    names = [p.name for p in persons_not_contacted(officer_a, year)]
    assert names == [a1.name]
    assert persons_not_contacted(officer_a, year).get().last_served_on == date(2024, 12, 31)
    # The commission sees every street's list; the street filter narrows it.
    assert {p.name for p in persons_not_contacted(commission_staff, year)} == {a1.name, insured["b1"].name}
    assert [p.name for p in persons_not_contacted(commission_staff, year, street_id=insured["b1"].street_id)] == [
        insured["b1"].name]
    # An entry on the year's last day counts too.
    _entry(a1, officer_a, date(2025, 12, 31))
    assert not persons_not_contacted(officer_a, year).exists()


def test_not_contacted_is_empty_for_roles_without_the_log(year, insurer_user, finance, insured):
    assert not persons_not_contacted(insurer_user, year).exists()
    assert not persons_not_contacted(finance, year).exists()


# --- Complaints ----------------------------------------------------------------------------

def _c(about, *, street_obj=None, insurer=None, due_on=date(2025, 6, 20), status="recorded", recorded_by, **extra):
    return Complaint.objects.create(channel="phone", complainant_name="投诉人", about=about, street=street_obj,
                                    insurer=insurer, category="other", received_on=date(2025, 6, 1), content="投诉内容",
                                    due_on=due_on, status=status, recorded_by=recorded_by, **extra)


def test_complaint_scope(officer_a, officer_b, commission_staff, insurer_user, finance, street_a, street_b):
    company_b = Insurer.objects.create(name="乙公司")
    insurer_a_street_a = _c("insurer", street_obj=street_a, insurer=insurer_user.insurer, recorded_by=commission_staff)
    insurer_a_street_b = _c("insurer", street_obj=street_b, insurer=insurer_user.insurer, recorded_by=commission_staff)
    insurer_b_street_a = _c("insurer", street_obj=street_a, insurer=company_b, recorded_by=commission_staff)
    about_street_a = _c("street", street_obj=street_a, recorded_by=commission_staff)
    about_commission_a = _c("commission", street_obj=street_a, recorded_by=commission_staff)
    recorded_by_officer = _c("commission", street_obj=street_a, recorded_by=officer_a)
    assert set(complaints_visible_to(officer_a)) == {insurer_a_street_a, insurer_b_street_a, about_street_a,
                                                     recorded_by_officer}
    assert set(complaints_visible_to(officer_b)) == {insurer_a_street_b}
    assert set(complaints_visible_to(insurer_user)) == {insurer_a_street_a, insurer_a_street_b}
    assert complaints_visible_to(commission_staff).count() == 6
    assert not complaints_visible_to(finance).exists()
    assert about_commission_a not in complaints_visible_to(officer_a)


def test_overdue_complaints_addressed_to_each_party(officer_a, commission_staff, insurer_user, street_a):
    today = date(2025, 6, 21)
    about_insurer = _c("insurer", street_obj=street_a, insurer=insurer_user.insurer, recorded_by=commission_staff)
    about_street = _c("street", street_obj=street_a, recorded_by=commission_staff)
    _c("street", street_obj=street_a, recorded_by=commission_staff, due_on=today)                  # due today: in time
    _c("street", street_obj=street_a, recorded_by=commission_staff, status="closed", closed_on=date(2025, 6, 25),
       satisfaction="satisfied", handler=officer_a, assigned_at="2025-06-02T10:00+08:00", reply="已答复",
       replied_at="2025-06-03T10:00+08:00")                                                       # closed late: not open
    assert list(overdue_complaints_addressed_to(officer_a, today)) == [about_street]  # the insurer's is not theirs to answer
    assert list(overdue_complaints_addressed_to(insurer_user, today)) == [about_insurer]
    assert set(overdue_complaints_addressed_to(commission_staff, today)) == {about_insurer, about_street}
    # Assigned to the officer, the insurer's complaint is theirs too.
    Complaint.objects.filter(pk=about_insurer.pk).update(status="assigned", handler=officer_a,
                                                         assigned_at="2025-06-02T10:00+08:00")
    assert about_insurer in complaints_addressed_to(officer_a)


def test_handlers_are_of_the_party_or_the_commission(officer_a, officer_b, commission_staff, insurer_user, street_a):
    about_street = _c("street", street_obj=street_a, recorded_by=commission_staff)
    about_insurer = _c("insurer", street_obj=street_a, insurer=insurer_user.insurer, recorded_by=commission_staff)
    assert set(complaint_handler_choices(about_street)) == {officer_a, commission_staff}
    assert set(complaint_handler_choices(about_insurer)) == {insurer_user, commission_staff}


# --- Surveys -------------------------------------------------------------------------------

def _survey(person, year, sample, status, **scores):
    fields = {}
    if status != "pending":
        fields = {"surveyed_on": date(2025, 6, 1), "method": "phone" if status == "answered" else ""}
    return Survey.objects.create(origin="sample", sample=sample, person=person, scheme_year=year, street=person.street,
                                 insurer=year.insurer, status=status, **fields, **scores)


def _scores(*values):
    from oversight.models.surveys import SCORE_FIELDS
    return dict(zip(SCORE_FIELDS, values))


@pytest.fixture
def surveyed(year, insured, commission_staff, street_a, street_b):
    samples = {s: SurveySample.objects.create(scheme_year=year, street=s, population=3, size=3, percent=10, minimum=3,
                                              seed="t", drawn_by=commission_staff) for s in (street_a, street_b)}
    a = [PersonFactory(street=street_a) for _ in range(5)]
    _survey(a[0], year, samples[street_a], "answered", **_scores(5, 5, 4, 4, 5, 5))
    _survey(a[1], year, samples[street_a], "answered", **_scores(4, 3, 3, 4, 4, 4))
    _survey(a[2], year, samples[street_a], "answered", **_scores(3, 3, 2, 4, 4, 4))
    _survey(a[3], year, samples[street_a], "unreachable")
    _survey(a[4], year, samples[street_a], "pending")
    _survey(insured["b1"], year, samples[street_b], "declined")
    return samples


def test_survey_figures_per_street(surveyed, commission_staff, street_a, street_b):
    figures = survey_figures(commission_staff)
    rows = {r.label: r for r in figures.by_street}
    a = rows[street_a.name]
    assert (a.total, a.answered, a.unreachable, a.declined, a.pending) == (5, 3, 1, 0, 1)
    assert a.rate == Decimal("75.0")                                      # 3 of 4 finished
    assert a.means == (Decimal("4.00"), Decimal("3.67"), Decimal("3.00"), Decimal("4.00"), Decimal("4.33"),
                       Decimal("4.33"))
    b = rows[street_b.name]
    assert (b.total, b.declined, b.rate, b.means[-1]) == (1, 1, Decimal("0.0"), None)
    assert len(figures.by_street) == 22 and rows["张家湾镇"].total == 0     # every street has its line
    assert (figures.total.total, figures.total.answered, figures.total.rate) == (6, 3, Decimal("60.0"))
    [by_year] = figures.by_year
    [by_insurer] = figures.by_insurer
    assert by_year.label == "2025年度" and by_insurer.label == "测试保险公司" and by_year.means == figures.total.means


def test_survey_figures_scope(surveyed, officer_a, finance, insurer_user, street_a, street_b):
    officer_rows = survey_figures(officer_a).by_street
    assert [r.label for r in officer_rows] == [street_a.name]
    assert survey_figures(officer_a).total.total == 5                      # street B's survey left out
    assert survey_figures(finance).total.total == 6                        # finance: the figures, no names
    assert survey_figures(insurer_user).total.total == 0 and survey_figures(insurer_user).by_street == []
    assert survey_figures(officer_a, street_id=street_b.pk).total.total == 0   # asking for B gives nothing


def test_survey_figures_filters(surveyed, commission_staff, year, street_b):
    assert survey_figures(commission_staff, street_id=street_b.pk).total.total == 1
    assert survey_figures(commission_staff, origin="paid_claim").total.total == 0
    assert survey_figures(commission_staff, scheme_year_id=year.pk + 1000).total.total == 0


def test_survey_scope(surveyed, officer_a, officer_b, finance, insurer_user, commission_staff):
    assert surveys_visible_to(officer_a).count() == 5
    assert surveys_visible_to(officer_b).count() == 1
    assert surveys_visible_to(commission_staff).count() == 6
    assert not surveys_visible_to(finance).exists()                         # no names for finance
    assert not surveys_visible_to(insurer_user).exists()
    assert survey_samples_visible_to(officer_a).count() == 1
    assert not survey_samples_visible_to(insurer_user).exists()


# --- Training ------------------------------------------------------------------------------

def test_training_scope_and_untrained_streets(year, officer_a, officer_b, commission_staff, insurer_user, street_a):
    session = TrainingSession.objects.create(held_on=date(2025, 3, 1), topic="政策培训", trainer="讲师",
                                             recorded_by=commission_staff)
    last_year = TrainingSession.objects.create(held_on=date(2024, 12, 31), topic="去年培训", trainer="讲师",
                                               recorded_by=commission_staff)
    TrainingAttendance.objects.create(session=session, user=officer_a)
    TrainingAttendance.objects.create(session=last_year, user=officer_b)
    assert list(training_sessions_visible_to(officer_a)) == [session]
    assert list(training_sessions_visible_to(officer_b)) == [last_year]
    assert not training_sessions_visible_to(insurer_user).exists()
    assert training_sessions_visible_to(commission_staff).count() == 2

    untrained = list(streets_without_trained_officer(commission_staff, year))
    assert street_a not in untrained and officer_b.street in untrained and len(untrained) == 21
    assert list(streets_without_trained_officer(officer_b, year)) == [officer_b.street]   # their own only
    assert list(streets_without_trained_officer(officer_a, year)) == []
    # A trained officer who left (deactivated) no longer counts for the street.
    officer_a.is_active = False
    officer_a.save()
    assert street_a in streets_without_trained_officer(commission_staff, year)
    # Another officer of the same street trained: the street counts as trained again.
    colleague = make_user(Role.STREET_OFFICER, street_obj=street("001"))
    TrainingAttendance.objects.create(session=session, user=colleague)
    assert street_a not in streets_without_trained_officer(commission_staff, year)
