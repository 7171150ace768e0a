"""How the street-scoping crawl (test_scoping.py) makes an object of a given street for each
kind of id a URL can take. A URL whose id kwarg is missing here fails the crawl: add an entry
when you add an id-taking URL (name the kwarg after its model, e.g. `claim_id`).

A planter receives the street and what the same URL has planted so far (a document belongs
to the claim of the same URL)."""

from collections.abc import Callable
from dataclasses import dataclass

from enrollment.models import Policy
from tests.factories import PersonFactory
from tongzhou_care.core.models import Street


@dataclass
class Planted:
    """An object planted in one street, and the strings that must never leak out of it."""

    pk: int
    secrets: tuple[str, ...]
    # False for objects an officer never sees, even of their own street (roster imports).
    officer_sees_own: bool = True


def _person(street: Street) -> Planted:
    p = PersonFactory(street=street, name="泄露" + street.name[:2] + "测")
    return Planted(p.pk, (p.name, p.id_number, p.id_number[-8:], p.phone))


def _roster_import(street: Street) -> Planted:
    """An import whose report names a person of the street (imports are the commission's)."""
    from enrollment.models import RosterImport, RosterRow
    from tests.factories import make_user
    from tongzhou_care.core.models import Role

    admin = make_user(Role.COMMISSION_ADMIN)
    person = PersonFactory.build(street=street, name="导入" + street.name[:2] + "测")
    ri = RosterImport.objects.create(created_by=admin, file_name=f"{street.name}.xlsx", file_sha256="0" * 64,
                                     file_size=1, file_kind="xlsx", roster_year=2026, header_row=1,
                                     error_count=1, header=["姓名", "身份证号"])
    RosterRow.objects.create(roster_import=ri, row_number=2, kind="error", name=person.name,
                             id_number=person.id_number, messages=["测试"],
                             original=[person.name, person.id_number])
    return Planted(ri.pk, (person.name, person.id_number), officer_sees_own=False)


def _scheme_year(street: Street) -> Planted:
    """A scheme year with a policy of the street's person (scheme years are the commission's
    and the insurer's; officers see cover on each person's page)."""
    from tests.factories import PolicyFactory

    policy = PolicyFactory(person=PersonFactory(street=street, name="年度" + street.name[:2] + "测"))
    return Planted(policy.scheme_year_id, (policy.person.name, policy.person.id_number),
                   officer_sees_own=False)


def _policy(street: Street) -> Planted:
    from tests.factories import PolicyFactory

    policy = PolicyFactory(person=PersonFactory(street=street, name="保单" + street.name[:2] + "测"))
    return Planted(policy.pk, (policy.person.name, policy.person.id_number, policy.number))


def _job(street: Street) -> Planted:
    """A job of another user (an officer of the street): nobody sees another's jobs."""
    from tests.factories import make_user
    from tongzhou_care.core.models import BackgroundJob, Role

    owner = make_user(Role.STREET_OFFICER, street_obj=street)
    job = BackgroundJob.objects.create(kind="certificate_batch", title=f"{street.name}任务测",
                                       created_by=owner)
    return Planted(job.pk, (job.title,), officer_sees_own=False)


def _claim(street: Street) -> Planted:
    from datetime import date

    from claims.models import Claim
    from tests.factories import make_user
    from tongzhou_care.core.models import Role

    policy_planted = _policy(street)
    policy = Policy.objects.select_related("person", "scheme_year").get(pk=policy_planted.pk)
    claim = Claim.objects.create(
        number=f"LPT{policy.pk:09d}", person=policy.person, street=street, insurer=policy.scheme_year.insurer,
        hospital="测试医院" + street.name[:2], admitted_on=date(policy.cover_start.year, 3, 1),
        discharged_on=date(policy.cover_start.year, 3, 5), cause="illness", diagnosis="秘密诊断" + street.name[:2],
        reporter_name="报案人", reporter_relation="本人", reporter_phone="13800000000",
        reported_at="2030-03-06T10:00:00+08:00", reported_by=make_user(Role.COMMISSION_STAFF))
    return Planted(claim.pk, policy_planted.secrets + (claim.number, claim.diagnosis))


def _document(street: Street, planted: dict | None = None) -> Planted:
    from claims.models import ClaimDocument
    from tests.factories import make_user, uploaded_file
    from tongzhou_care.core.models import Role

    claim_id = planted["claim_id"].pk if planted and "claim_id" in planted else _claim(street).pk
    document = ClaimDocument(claim_id=claim_id, kind="id_card", original_name=f"{street.name}身份证.pdf",
                             content_type="application/pdf", size=10, sha256="0" * 64,
                             uploaded_by=make_user(Role.COMMISSION_STAFF))
    document.file.save("upload", uploaded_file("pdf"), save=False)
    document.save()
    return Planted(document.pk, (document.original_name,))


def _complaint(street: Street) -> Planted:
    """A complaint about the insurer by a family of the street (its officer and the insurer's
    staff see it, no one else)."""
    from oversight.models import Complaint
    from tests.factories import make_user
    from tongzhou_care.core.models import Insurer, Role

    person = PersonFactory(street=street, name="投诉" + street.name[:2] + "测")
    insurer, _ = Insurer.objects.get_or_create(name="测试保险公司", defaults={"hotline": "95500"})
    complaint = Complaint.objects.create(
        channel="phone", complainant_name="诉人" + street.name[:2] + "测", person=person, about="insurer",
        insurer=insurer, street=street, category="claim_speed", received_on="2030-03-02", due_on="2030-03-23",
        content="投诉内容" + street.name + "测", recorded_by=make_user(Role.COMMISSION_STAFF))
    return Planted(complaint.pk, (person.name, person.id_number, complaint.complainant_name, complaint.content))


def _survey(street: Street) -> Planted:
    """A pending survey task of a sampled person of the street."""
    from oversight.models import Survey, SurveySample
    from tests.factories import PolicyFactory, make_user
    from tongzhou_care.core.models import Role

    policy = PolicyFactory(person=PersonFactory(street=street, name="调查" + street.name[:2] + "测"))
    sample = SurveySample.objects.create(scheme_year=policy.scheme_year, street=street, population=1, size=1,
                                         percent=10, minimum=3, seed="test", drawn_by=make_user(Role.COMMISSION_STAFF))
    survey = Survey.objects.create(origin="sample", sample=sample, person=policy.person, scheme_year=policy.scheme_year,
                                   street=street, insurer=policy.scheme_year.insurer)
    return Planted(survey.pk, (policy.person.name, policy.person.id_number))


def _training_session(street: Street) -> Planted:
    """A session attended by an officer of the street (the first one on record, else a new
    one): officers see the sessions they attended."""
    from oversight.models import TrainingAttendance, TrainingSession
    from tests.factories import make_user
    from tongzhou_care.core.models import Role, User

    officer = (User.objects.filter(role=Role.STREET_OFFICER, street=street).order_by("pk").first()
               or make_user(Role.STREET_OFFICER, street_obj=street))
    session = TrainingSession.objects.create(held_on="2030-04-01", topic="培训" + street.name + "测", trainer="讲师",
                                             recorded_by=make_user(Role.COMMISSION_STAFF))
    TrainingAttendance.objects.create(session=session, user=officer)
    return Planted(session.pk, (session.topic,))


def _inspection(street: Street) -> Planted:
    """An inspection of the street (inspections are the commission's; officers see only the
    findings addressed to them)."""
    from datetime import date

    from oversight.models import Inspection
    from tests.factories import make_user
    from tongzhou_care.core.models import Role

    inspection = Inspection.objects.create(
        inspected_on=date(2030, 3, 1), target="street", street=street, scopes=["claims"],
        inspectors="巡查" + street.name[:2] + "甲", summary="巡查情况" + street.name[:2] + "秘",
        created_by=make_user(Role.COMMISSION_STAFF))
    return Planted(inspection.pk, (inspection.inspectors, inspection.summary), officer_sees_own=False)


def _inspection_finding(street: Street) -> Planted:
    """A finding addressed to the street's office."""
    from datetime import date

    from oversight.models import InspectionFinding
    from tests.factories import make_user
    from tongzhou_care.core.models import Role

    inspection = _inspection(street)
    finding = InspectionFinding.objects.create(
        inspection_id=inspection.pk, number=1, scope="claims", description="问题" + street.name[:2] + "秘描述",
        responsible="street", responsible_street=street, issued_on=date(2030, 3, 1), deadline_days=10,
        due_on=date(2030, 3, 15), created_by=make_user(Role.COMMISSION_STAFF))
    return Planted(finding.pk, inspection.secrets + (finding.description,))


def _evidence(street: Street, planted: dict | None = None) -> Planted:
    """An evidence file of a rectification report of the finding of the same URL."""
    from oversight.models import Rectification, RectificationEvidence
    from tests.factories import make_user, uploaded_file
    from tongzhou_care.core.models import Role

    finding_id = (planted["inspection_finding_id"].pk if planted and "inspection_finding_id" in planted
                  else _inspection_finding(street).pk)
    officer = make_user(Role.STREET_OFFICER, street_obj=street)
    report = Rectification.objects.create(finding_id=finding_id, text="整改" + street.name[:2] + "秘情况",
                                          submitted_by=officer)
    evidence = RectificationEvidence(rectification=report, original_name=f"{street.name}整改佐证.pdf",
                                     content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by=officer)
    evidence.file.save("upload", uploaded_file("pdf"), save=False)
    evidence.save()
    return Planted(evidence.pk, (evidence.original_name, report.text))


def _check_finding(street: Street) -> Planted:
    """A data-check finding about a person of the street."""
    from django.utils import timezone

    from oversight.models import CheckFinding

    person = _person(street)
    finding = CheckFinding.objects.create(
        rule="woman_under_49", key=f"person:{person.pk}", person_id=person.pk, street=street,
        detail={"birth_date": "1970-01-01", "assistance_start": "2010-01-01"}, first_found_at=timezone.now())
    return Planted(finding.pk, person.secrets)


ID_KWARGS: dict[str, Callable[..., Planted]] = {
    "person_id": _person,
    "import_id": _roster_import,
    "scheme_year_id": _scheme_year,
    "policy_id": _policy,
    "job_id": _job,
    "claim_id": _claim,
    "document_id": _document,
    "complaint_id": _complaint,
    "survey_id": _survey,
    "training_session_id": _training_session,
    "inspection_id": _inspection,
    "inspection_finding_id": _inspection_finding,
    "evidence_id": _evidence,
    "check_finding_id": _check_finding,
}


def plant(kwargs, street: Street) -> dict[str, Planted]:
    """Plant one object per kwarg of a URL, in order, each planter seeing the ones before."""
    planted: dict[str, Planted] = {}
    for kwarg in kwargs:
        planter = ID_KWARGS[kwarg]
        planted[kwarg] = planter(street, planted) if planter in (_document, _evidence) else planter(street)
    return planted
