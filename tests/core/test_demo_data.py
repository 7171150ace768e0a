"""The demonstration data command: every role, persons with valid ID numbers, loaded once."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from enrollment.models import Person
from enrollment.rules import parse_id_number
from tongzhou_care.core.models import Role, Street, User


@pytest.mark.django_db
def test_demo_data_loads_once_with_every_role(tmp_path, media_root):
    logins = tmp_path / "logins.txt"
    call_command("demo_data", logins_file=logins, url="http://127.0.0.1:8123")
    assert "http://127.0.0.1:8123/login/" in logins.read_text(encoding="utf-8")
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.filter(role=Role.STREET_OFFICER).count() == Street.objects.count() == 22
    count = Person.objects.count()
    assert 200 <= count <= 700
    assert Person.objects.values("street").distinct().count() == 22
    for person in Person.objects.all():
        parsed = parse_id_number(person.id_number, today=date(2026, 11, 28))
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
    assert Person.objects.filter(spouse__isnull=False).count() > count // 3
    from claims.models import Claim, ClaimStatus
    from enrollment.models import Policy, PolicyChange, SchemeYear
    year = SchemeYear.objects.order_by("-coverage_start").first()
    assert SchemeYear.objects.count() == 2
    assert year.policies.count() == Person.objects.filter(category="death").count()
    assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert Policy.objects.filter(days_used=90).exists()                         # reached the cap
    from django.db.models import Count
    assert Claim.objects.annotate(n=Count("portions")).filter(n=2).exists()     # crossed the year end
    assert Claim.objects.filter(person__status="deceased", status=ClaimStatus.PAID).exists()
    assert set(PolicyChange.objects.values_list("kind", flat=True)) == {"addition", "removal"}
    from oversight.models import Complaint, ServiceEntry, Survey, SurveySample, TrainingSession
    assert ServiceEntry.objects.count() > count and ServiceEntry.objects.filter(claim__isnull=False).exists()
    assert set(Complaint.objects.values_list("status", flat=True)) == {"recorded", "assigned", "replied", "closed"}
    assert set(Survey.objects.values_list("status", flat=True)) == {"pending", "answered", "unreachable", "declined"}
    assert Survey.objects.filter(origin="paid_claim").count() == Claim.objects.filter(status="paid").count()
    assert SurveySample.objects.count() == 22 and TrainingSession.objects.count() == 2
    password = logins.read_text(encoding="utf-8").split("：")[1].split()[0]
    assert User.objects.get(username="officer001").check_password(password)

    assert_consistent_story_with_real_looking_documents(media_root)

    call_command("demo_data", logins_file=logins)
    assert Person.objects.count() == count
    assert User.objects.get(username="officer001").check_password(password)


def assert_consistent_story_with_real_looking_documents(media_root):
    """Timelines agree with the report dates (each step after the report, none in the future,
    reports on working days); documents have Chinese names and are real images and scans."""
    import io
    import re
    from datetime import timedelta

    import pikepdf
    from PIL import Image
    from django.utils import timezone

    from claims.models import Claim, ClaimDocument, ClaimStatus
    from tongzhou_care.core.workdays import is_workday

    now = timezone.now()
    for claim in Claim.objects.prefetch_related("actions"):
        reported = timezone.localtime(claim.reported_at).date()
        assert reported >= (claim.discharged_on or claim.admitted_on), claim.number
        assert is_workday(reported) or reported == timezone.localdate(), claim.number
        moments = [a.at for a in claim.actions.all()]
        assert moments == sorted(moments), claim.number
        assert claim.reported_at <= moments[0] <= claim.reported_at + timedelta(minutes=1), claim.number
        assert moments[-1] <= now, claim.number
        for field in ("accepted_at", "decided_at", "refused_at", "paid_at", "withdrawn_at"):
            value = getattr(claim, field)
            assert value is None or claim.reported_at <= value <= now, (claim.number, field)
        if claim.status == ClaimStatus.PAID:
            assert claim.payment.paid_on == timezone.localtime(claim.paid_at).date()
    documents = ClaimDocument.objects.all()
    assert documents.count() > 200
    for document in documents:
        assert re.fullmatch(r"[\u4e00-\u9fff]+_[\u4e00-\u9fff]+\.(jpg|pdf)", document.original_name), document.original_name
        data = (media_root / document.file.name).read_bytes()
        if document.original_name.endswith(".jpg"):
            assert document.content_type == "image/jpeg" and Image.open(io.BytesIO(data)).size == (1000, 680)
        else:
            assert document.content_type == "application/pdf" and len(pikepdf.open(io.BytesIO(data)).pages) == 1
    assert documents.filter(original_name__startswith="出院小结_").count() > 80
    assert documents.filter(original_name__startswith="死亡证明_").exists()


@pytest.mark.django_db
def test_demo_data_refused_when_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="开发环境"):
        call_command("demo_data")
