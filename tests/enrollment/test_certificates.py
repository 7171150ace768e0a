"""保险凭证: the PDF text a person would read, one by one and as a batch job."""

import re
from datetime import timedelta
import subprocess

import pytest

from enrollment.models import Policy
from enrollment.services import policies_issue
from tests.enrollment.test_cover import TODAY, pdf_pages, pdf_text, year  # noqa: F401
from tests.factories import PersonFactory
from tongzhou_care.core.jobs import Worker
from tongzhou_care.core.models import BackgroundJob


@pytest.fixture
def issued(year, commission_admin, street_a, street_b):  # noqa: F811
    people = PersonFactory.create_batch(3, street=street_a) + PersonFactory.create_batch(2, street=street_b)
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)
    return people


def _content(response):
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_single_certificate_shows_every_field(issued, year, client_for, officer_a):  # noqa: F811
    person = issued[0]
    policy = person.policies.get()
    response = client_for(officer_a).get(f"/policies/{policy.pk}/certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    content = _content(response)
    text = pdf_text(content)
    masked = person.id_number[:6] + "********" + person.id_number[-4:]
    for expected in [policy.number, person.name, masked, person.street.name, "保险凭证",
                     f"{year.coverage_start.year}年{year.coverage_start.month}月{year.coverage_start.day}日",
                     "每天 300.00 元", "90 天", year.insurer.name, year.contract_number, year.insurer.hotline,
                     "承保机构（盖章）", f"保单号 {policy.number}"]:
        assert expected in text, expected
    assert person.id_number not in text                     # masked on paper too
    assert pdf_pages(content) == 1


@pytest.mark.django_db
def test_certificate_font_is_embedded_cjk(issued, client_for, officer_a, tmp_path):
    policy = issued[0].policies.get()
    path = tmp_path / "c.pdf"
    path.write_bytes(_content(client_for(officer_a).get(f"/policies/{policy.pk}/certificate.pdf")))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)        # embedded, so no missing glyphs


@pytest.mark.django_db
def test_officer_gets_404_for_another_streets_certificate(issued, client_for, officer_a):
    other = issued[-1].policies.get()
    assert client_for(officer_a).get(f"/policies/{other.pk}/certificate.pdf").status_code == 404


def _run_batch(client, year, street=None):  # noqa: F811
    response = client.post(f"/scheme-years/{year.pk}/certificates/", {"street": street.pk if street else ""})
    assert response.status_code == 302
    job = BackgroundJob.objects.latest("pk")
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_batch_for_a_street_is_one_pdf(issued, year, client_for, commission_admin, street_a):  # noqa: F811
    client = client_for(commission_admin)
    job = _run_batch(client, year, street_a)
    assert (job.status, job.progress_done, job.progress_total, job.percent) == ("done", 3, 3, 100)
    content = _content(client.get(f"/jobs/{job.pk}/download/"))
    assert pdf_pages(content) == 3
    text = pdf_text(content)
    assert all(p.name in text for p in issued[:3]) and not any(p.name in text for p in issued[3:])
    assert job.result_name.startswith(f"保险凭证_{year.name}_中仓街道_")


@pytest.mark.django_db
def test_large_batch_is_rendered_in_parts_and_merged(issued, year, client_for, commission_admin, monkeypatch):  # noqa: F811
    from enrollment import jobs
    monkeypatch.setattr(jobs, "CERTIFICATES_PER_PART", 2)
    client = client_for(commission_admin)
    job = _run_batch(client, year)
    content = _content(client.get(f"/jobs/{job.pk}/download/"))
    assert pdf_pages(content) == 5
    numbers = re.findall(r"TZ\d{4}-\d{6}", pdf_text(content))
    assert sorted(set(numbers)) == sorted(Policy.objects.values_list("number", flat=True))


@pytest.mark.django_db
def test_job_page_shows_progress_and_download(issued, year, client_for, commission_admin):  # noqa: F811
    client = client_for(commission_admin)
    client.post(f"/scheme-years/{year.pk}/certificates/", {"street": ""})
    job = BackgroundJob.objects.get()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 1s"' in page
    Worker().run(once=True)
    fragment = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "已完成" in fragment and "hx-trigger" not in fragment and "下载" in fragment


@pytest.mark.django_db
def test_failed_job_shows_its_reason(year, client_for, commission_admin):  # noqa: F811
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=TODAY)   # no persons: no policies
    client = client_for(commission_admin)
    client.post(f"/scheme-years/{year.pk}/certificates/", {"street": ""})
    Worker().run(once=True)
    job = BackgroundJob.objects.get()
    assert job.status == "failed" and "没有可打印的保险凭证" in job.message
    assert "没有可打印的保险凭证" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


@pytest.mark.django_db
def test_jobs_are_their_owners_only(issued, year, client_for, commission_admin, commission_staff):  # noqa: F811
    client_for(commission_admin).post(f"/scheme-years/{year.pk}/certificates/", {"street": ""})
    job = BackgroundJob.objects.get()
    assert client_for(commission_staff).get(f"/jobs/{job.pk}/").status_code == 404
    assert client_for(commission_staff).post(f"/scheme-years/{year.pk}/certificates/").status_code == 403


@pytest.mark.django_db
def test_a_result_is_withheld_once_its_owner_lost_the_right(issued, year, client_for, street_a):  # noqa: F811
    """The batch was allowed when requested; an insurer user moved to another company since
    must not take the old company's certificates with them."""
    from tests.factories import make_user
    from tongzhou_care.core.models import Insurer, Role

    user = make_user(Role.INSURER_STAFF, username="insurer_cert", insurer=year.insurer)
    client = client_for(user)
    job = _run_batch(client, year, street_a)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 200
    user.insurer = Insurer.objects.create(name="另一家保险公司", hotline="95511")
    user.save()
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 403 and "已变更" in response.content.decode()


@pytest.mark.django_db
def test_no_certificate_for_a_policy_without_cover(issued, client_for, officer_a):  # noqa: F811
    policy = Policy.objects.filter(person__street=officer_a.street).first()
    policy.cover_end = policy.cover_start - timedelta(days=1)                # ended before it began
    policy.save()
    response = client_for(officer_a).get(f"/policies/{policy.pk}/certificate.pdf", follow=True)
    assert response.redirect_chain[0][0] == f"/persons/{policy.person_id}/"
    assert "没有保障期间，不出具保险凭证" in response.content.decode()
