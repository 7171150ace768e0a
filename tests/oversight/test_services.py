"""Oversight services on PostgreSQL: what each records, and that a refused action changes
nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from claims import services as claim_services
from oversight.models import Complaint, ServiceEntry, Survey, SurveySample, TrainingAttendance
from oversight.rules.surveys import draw_sample, sample_size
from oversight.services.complaints import complaint_assign, complaint_close, complaint_record, complaint_reply
from oversight.services.service_log import service_entry_record
from oversight.services.surveys import survey_record, survey_sample_draw, survey_task_for_paid_claim
from oversight.services.training import training_session_save
from tests.claims.conftest import decided_claim
from tests.factories import PersonFactory, make_user
from tests.oversight.conftest import TODAY
from tongzhou_care.core.models import Insurer, Role
from tongzhou_care.core.rules import RuleViolation

pytestmark = pytest.mark.django_db

SCORES = {"score_reporting": 5, "score_documents": 4, "score_payment_speed": 3, "score_amount": 4,
          "score_attitude": 5, "score_overall": 4}


# --- Service log ---------------------------------------------------------------------------

def test_officer_records_a_service_of_a_person_of_their_street(officer_a, insured):
    entry = service_entry_record(person_id=insured["a1"].pk, kind="home_visit", served_on=TODAY, note=" 上门看望 ",
                                 actor=officer_a, today=TODAY)
    assert (entry.person, entry.officer, entry.note, entry.claim) == (insured["a1"], officer_a, "上门看望", None)


def test_service_log_refusals_record_nothing(officer_a, commission_staff, insured, insurer_user):
    with pytest.raises(PermissionDenied):          # another street's person
        service_entry_record(person_id=insured["b1"].pk, kind="home_visit", served_on=TODAY, actor=officer_a, today=TODAY)
    with pytest.raises(PermissionDenied):          # the commission watches the log, officers keep it
        service_entry_record(person_id=insured["a1"].pk, kind="home_visit", served_on=TODAY, actor=commission_staff,
                             today=TODAY)
    with pytest.raises(RuleViolation, match="不能晚于今天"):
        service_entry_record(person_id=insured["a1"].pk, kind="home_visit", served_on=TODAY + timedelta(days=1),
                             actor=officer_a, today=TODAY)
    other_claim = decided_claim(insured["a2"], officer_a, insurer_user)
    with pytest.raises(RuleViolation, match="不属于这位参保对象"):
        service_entry_record(person_id=insured["a1"].pk, kind="filing_help", served_on=TODAY, claim_id=other_claim.pk,
                             actor=officer_a, today=TODAY)
    assert ServiceEntry.objects.count() == 0


# --- Complaints ----------------------------------------------------------------------------

def _complaint(actor, **extra):
    data = {"channel": "phone", "complainant_name": "王家属", "about": "insurer", "category": "claim_speed",
            "received_on": date(2026, 9, 25), "content": "出院两周还没有受理。", "today": date(2026, 9, 30), **extra}
    return complaint_record(actor=actor, **data)


def test_complaint_deadline_follows_the_scheme_years_setting(commission_staff, insurer_user, street_a):
    from tests.factories import SchemeYearFactory

    SchemeYearFactory(coverage_start=date(2026, 1, 1), coverage_end=date(2026, 12, 31), complaint_deadline_days=10,
                      insurer=insurer_user.insurer)
    complaint = _complaint(commission_staff, insurer=insurer_user.insurer, street=street_a)
    # 10 official working days from Fri 2026-09-25 across the National Day holiday.
    assert complaint.due_on == date(2026, 10, 15)
    assert complaint.status == "recorded" and complaint.number == f"TS{complaint.pk:06d}"


def test_complaint_deadline_defaults_to_15_working_days_without_a_scheme_year(commission_staff, insurer_user):
    assert _complaint(commission_staff, insurer=insurer_user.insurer).due_on == date(2026, 10, 22)


def test_an_officer_records_for_their_own_street_only(officer_a, street_a, street_b, insurer_user):
    complaint = _complaint(officer_a, insurer=insurer_user.insurer)
    assert complaint.street == street_a                        # filled in from the officer
    with pytest.raises(RuleViolation, match="本街道"):
        _complaint(officer_a, about="street", street=street_b)
    person_b = PersonFactory(street=street_b)
    with pytest.raises(RuleViolation, match="本街道"):
        _complaint(officer_a, person=person_b, insurer=insurer_user.insurer)
    assert Complaint.objects.count() == 1


def test_complaint_record_refusals(commission_staff, insurer_user, insurer_staff):
    with pytest.raises(RuleViolation, match="保险公司"):
        _complaint(commission_staff)                                      # about the insurer, none named
    with pytest.raises(RuleViolation, match="投诉内容"):
        _complaint(commission_staff, insurer=insurer_user.insurer, content="慢")
    with pytest.raises(RuleViolation, match="不能晚于今天"):
        _complaint(commission_staff, insurer=insurer_user.insurer, received_on=date(2026, 10, 1))
    with pytest.raises(PermissionDenied):
        _complaint(insurer_staff, insurer=insurer_user.insurer)         # insurers answer, they do not record
    assert Complaint.objects.count() == 0


def test_complaint_life_record_assign_reply_close(commission_staff, insurer_user, street_a):
    complaint = _complaint(commission_staff, insurer=insurer_user.insurer, street=street_a)
    complaint_assign(complaint_id=complaint.pk, handler_id=insurer_user.pk, actor=commission_staff)
    complaint_reply(complaint_id=complaint.pk, reply="已于次日受理并告知家属。", actor=insurer_user)
    complaint_close(complaint_id=complaint.pk, satisfaction="basically", note="电话回访", actor=commission_staff,
                    today=date(2026, 10, 20))
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler, complaint.replied_by, complaint.satisfaction, complaint.closed_on) == (
        "closed", insurer_user, insurer_user, "basically", date(2026, 10, 20))


def test_complaint_changes_are_audited_with_user_and_service(commission_staff, insurer_user, street_a, client_for):
    from oversight.models import ComplaintEvent

    complaint = _complaint(commission_staff, insurer=insurer_user.insurer, street=street_a)
    complaint_assign(complaint_id=complaint.pk, handler_id=insurer_user.pk, actor=commission_staff)
    event = ComplaintEvent.objects.filter(pgh_obj_id=complaint.pk, pgh_label="update").get()
    assert event.pgh_context.metadata == {"user": commission_staff.pk, "action": "complaint_assign"}
    assert event.handler_id == insurer_user.pk and event.status == "assigned"
    page = client_for(commission_staff).get(f"/complaints/{complaint.pk}/").content.decode()
    history = page[page.index('data-testid="history"'):]
    assert "已登记 → 已交办" in history and str(commission_staff) in history


def test_refused_complaint_actions_change_nothing(commission_staff, insurer_user, officer_a, street_a, officer_b):
    other_insurer = make_user(Role.INSURER_STAFF, insurer=Insurer.objects.create(name="另一家保险公司"))
    complaint = _complaint(commission_staff, insurer=insurer_user.insurer, street=street_a)
    with pytest.raises(RuleViolation, match="不能答复"):              # not assigned yet
        complaint_reply(complaint_id=complaint.pk, reply="已处理完毕。", actor=insurer_user)
    with pytest.raises(RuleViolation, match="承办人"):                # an officer is not of the insurer
        complaint_assign(complaint_id=complaint.pk, handler_id=officer_a.pk, actor=commission_staff)
    with pytest.raises(RuleViolation, match="承办人"):                # nor is another company's staff
        complaint_assign(complaint_id=complaint.pk, handler_id=other_insurer.pk, actor=commission_staff)
    with pytest.raises(PermissionDenied):                             # officers do not assign
        complaint_assign(complaint_id=complaint.pk, handler_id=insurer_user.pk, actor=officer_a)
    complaint_assign(complaint_id=complaint.pk, handler_id=insurer_user.pk, actor=commission_staff)
    with pytest.raises(RuleViolation, match="保险公司"):              # the officer relays, the insurer answers
        complaint_reply(complaint_id=complaint.pk, reply="已处理完毕。", actor=officer_a)
    with pytest.raises(RuleViolation, match="不能办结"):
        complaint_close(complaint_id=complaint.pk, satisfaction="satisfied", note="", actor=commission_staff)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reply, complaint.satisfaction) == ("assigned", "", "")


# --- Surveys -------------------------------------------------------------------------------

def test_paying_a_claim_creates_one_survey_task_for_the_officer(officer_a, insurer_user, insured):
    claim = decided_claim(insured["a1"], officer_a, insurer_user)
    claim_services.payment_record(claim_id=claim.pk, paid_on=date(2025, 3, 20), amount=claim.amount,
                                  bank_reference="ZH001", actor=insurer_user, today=date(2025, 3, 21))
    survey = Survey.objects.get()
    assert (survey.origin, survey.claim, survey.person, survey.street, survey.insurer, survey.status) == (
        "paid_claim", claim, insured["a1"], claim.street, claim.insurer, "pending")
    assert survey.scheme_year.name == "2025年度"
    assert survey_task_for_paid_claim(claim=claim, actor=insurer_user) == survey       # never a second one
    assert Survey.objects.count() == 1


def test_a_refused_payment_creates_no_task(officer_a, insurer_user, insured):
    claim = decided_claim(insured["a1"], officer_a, insurer_user)
    with pytest.raises(RuleViolation):
        claim_services.payment_record(claim_id=claim.pk, paid_on=date(2025, 3, 20), amount=claim.amount + Decimal("1"),
                                      bank_reference="ZH001", actor=insurer_user, today=date(2025, 3, 21))
    assert not Survey.objects.exists()


def test_the_yearly_sample_is_drawn_once_and_recorded(year, commission_staff, street_a, street_b, commission_admin):
    from enrollment.services import policies_issue

    for k in range(35):
        PersonFactory(street=street_a, name=f"甲{k}")
    PersonFactory(street=street_b, name="乙一")
    dead = PersonFactory(street=street_a, name="甲已故")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    dead.status, dead.status_date = "deceased", date(2025, 2, 1)
    dead.save()

    samples = {s.street_id: s for s in survey_sample_draw(scheme_year_id=year.pk, actor=commission_staff, seed="s1")}
    assert len(samples) == 22                      # every street drawn, even those with nobody insured
    a, b = samples[street_a.pk], samples[street_b.pk]
    assert (a.population, a.size, a.percent, a.minimum) == (35, 4, 10, 3)     # ceil(3.5) = 4
    assert (b.population, b.size) == (1, 1)
    drawn = sorted(Survey.objects.filter(sample=a).values_list("person_id", flat=True))
    candidates = year.policies.filter(person__street=street_a, person__status="active").values_list("person_id", flat=True)
    assert drawn == draw_sample(candidates, size=4, seed="s1:110112001000")     # reproducible from the record
    assert dead.pk not in drawn
    assert set(Survey.objects.filter(sample=a).values_list("origin", "status", "street_id", "insurer_id")) == {
        ("sample", "pending", street_a.pk, year.insurer_id)}
    with pytest.raises(RuleViolation, match="均已抽样"):
        survey_sample_draw(scheme_year_id=year.pk, actor=commission_staff)
    assert Survey.objects.count() == sum(sample_size(population=s.population, percent=10, minimum=3)
                                         for s in samples.values())


def test_sample_needs_policies_and_the_permission(year, commission_staff, officer_a):
    with pytest.raises(RuleViolation, match="尚未生成保单"):
        survey_sample_draw(scheme_year_id=year.pk, actor=commission_staff)
    with pytest.raises(PermissionDenied):
        survey_sample_draw(scheme_year_id=year.pk, actor=officer_a)
    assert not SurveySample.objects.exists()


@pytest.fixture
def task(officer_a, insurer_user, insured):
    claim = decided_claim(insured["a1"], officer_a, insurer_user)
    claim_services.payment_record(claim_id=claim.pk, paid_on=date(2025, 3, 20), amount=claim.amount,
                                  bank_reference="ZH001", actor=insurer_user, today=date(2025, 3, 21))
    return Survey.objects.get(claim=claim)


def test_officer_answers_a_survey(task, officer_a):
    today = timezone.localtime(task.created_at).date()
    survey = survey_record(survey_id=task.pk, action="answer", method="phone", scores=SCORES, comment="到账及时",
                           actor=officer_a, today=today)
    assert (survey.status, survey.method, survey.surveyed_on, survey.surveyed_by, survey.score_overall) == (
        "answered", "phone", today, officer_a, 4)


def test_unreachable_keeps_no_scores(task, officer_a):
    survey = survey_record(survey_id=task.pk, action="unreachable", comment="三次无人接听", actor=officer_a,
                           today=timezone.localtime(task.created_at).date())
    assert survey.status == "unreachable" and survey.score_overall is None and survey.comment == "三次无人接听"


def test_refused_survey_actions_change_nothing(task, officer_a, officer_b, commission_staff):
    today = timezone.localtime(task.created_at).date()
    with pytest.raises(RuleViolation, match="请为“总体满意度”打分"):
        survey_record(survey_id=task.pk, action="answer", method="phone",
                      scores={k: v for k, v in SCORES.items() if k != "score_overall"}, actor=officer_a, today=today)
    with pytest.raises(RuleViolation, match="调查方式"):
        survey_record(survey_id=task.pk, action="answer", method="", scores=SCORES, actor=officer_a, today=today)
    with pytest.raises(PermissionDenied):                       # another street's officer
        survey_record(survey_id=task.pk, action="answer", method="phone", scores=SCORES, actor=officer_b, today=today)
    with pytest.raises(PermissionDenied):                       # the commission does not fill in surveys
        survey_record(survey_id=task.pk, action="answer", method="phone", scores=SCORES, actor=commission_staff,
                      today=today)
    task.refresh_from_db()
    assert task.status == "pending" and task.score_overall is None
    survey_record(survey_id=task.pk, action="decline", actor=officer_a, today=today)
    with pytest.raises(RuleViolation, match="不能录入调查结果"):   # finished once
        survey_record(survey_id=task.pk, action="answer", method="phone", scores=SCORES, actor=officer_a, today=today)
    task.refresh_from_db()
    assert task.status == "declined"


def test_the_database_refuses_scores_on_an_unanswered_survey(task):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError, match="survey_scores_iff_answered"), transaction.atomic():
        Survey.objects.filter(pk=task.pk).update(score_overall=3)
    with pytest.raises(IntegrityError, match="survey_scores_in_range|survey_scores_iff_answered"), transaction.atomic():
        Survey.objects.filter(pk=task.pk).update(status="answered", method="phone", surveyed_on=date(2025, 3, 22),
                                                 **{**SCORES, "score_overall": 6})


# --- Training ------------------------------------------------------------------------------

def test_training_session_with_attendees_and_its_correction(commission_staff, officer_a, officer_b, insurer_user):
    session = training_session_save(actor=commission_staff, held_on=TODAY, topic="报案流程", trainer="区卫健委",
                                    attendee_ids=[officer_a.pk, insurer_user.pk], today=TODAY)
    assert set(session.attendees.all()) == {officer_a, insurer_user}
    training_session_save(actor=commission_staff, session_id=session.pk, version=session.version, held_on=TODAY,
                          topic="报案流程", trainer="区卫健委", attendee_ids=[officer_a.pk, officer_b.pk], today=TODAY)
    assert set(TrainingAttendance.objects.filter(session=session).values_list("user", flat=True)) == {
        officer_a.pk, officer_b.pk}
    with pytest.raises(RuleViolation, match="已被他人修改"):        # the form read the first version
        training_session_save(actor=commission_staff, session_id=session.pk, version=session.version, held_on=TODAY,
                              topic="改", trainer="区卫健委", attendee_ids=[officer_a.pk], today=TODAY)


def test_training_refusals(commission_staff, officer_a):
    officer_a.is_active = False
    officer_a.save()
    with pytest.raises(RuleViolation, match="已停用"):
        training_session_save(actor=commission_staff, held_on=TODAY, topic="报案流程", trainer="区卫健委",
                              attendee_ids=[officer_a.pk], today=TODAY)
    with pytest.raises(PermissionDenied):
        training_session_save(actor=officer_a, held_on=TODAY, topic="报案流程", trainer="区卫健委",
                              attendee_ids=[commission_staff.pk], today=TODAY)
