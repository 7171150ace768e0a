"""Publicity notices (宣传告知书, domain.md "Publicity"): one family's notice, a street's batch as
one PDF, delivery recorded in the service log, and the share delivered per street, each as a
user would check it. The scheme year here covers today, so deliveries dated today count."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enrollment.services import person_update, policies_issue
from oversight.models import ServiceEntry
from oversight.services.publicity import publicity_delivery_record
from oversight.services.service_log import service_entry_record
from tests.enrollment.test_cover import pdf_pages, pdf_text
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tongzhou_care.core.jobs import Worker
from tongzhou_care.core.models import BackgroundJob, Role


@pytest.fixture
def this_year(db):
    today = timezone.localdate()
    return SchemeYearFactory(name=f"{today.year}年度", coverage_start=date(today.year, 1, 1),
                             coverage_end=date(today.year, 12, 31))


@pytest.fixture
def families(this_year, commission_admin, street_a, street_b, officer_a):
    """Three families in street A (one died this year), two in street B; policies from the start."""
    a = [PersonFactory(street=street_a, name=n, community="运河社区") for n in ("王秀英", "刘建国", "孙玉珍")]
    b = [PersonFactory(street=street_b, name=n) for n in ("赵玉兰", "钱德明")]
    policies_issue(scheme_year_id=this_year.pk, actor=commission_admin, today=this_year.coverage_start)
    dead = a[2]
    dead.refresh_from_db()
    person_update(person_id=dead.pk, version=dead.version, actor=commission_admin,
                  today=this_year.coverage_start + timedelta(days=10),
                  changes={"status": "deceased", "status_date": this_year.coverage_start + timedelta(days=5)})
    officer_a.full_name, officer_a.phone = "李专管", "010-69541234"
    officer_a.save(update_fields=["full_name", "phone"])
    return {"a": a, "b": b}


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_one_familys_notice_tells_its_cover_and_whom_to_call(client_for, officer_a, families, this_year):
    person = families["a"][0]
    policy = person.policies.get()
    policy.days_used = 12
    policy.save(update_fields=["days_used"])
    response = client_for(officer_a).get(f"/publicity/{person.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(pdf_text(_content(response)).split())
    for expected in ("宣传告知书", f"保单号{policy.number}", person.name, f"{this_year.name}",
                     "住院每天300.00元", "共90天，已理赔12天，尚余78天", "李专管电话：010-69541234",
                     f"承保机构服务电话{this_year.insurer.hotline}", "出院后30天内报案", "宣传告知书回执"):
        assert expected in text, expected
    assert person.id_number not in text and person.id_number[:6] in text       # masked (S10)


@pytest.mark.django_db
def test_no_notice_for_another_street_or_without_a_policy(client_for, officer_a, families, street_a):
    client = client_for(officer_a)
    assert client.get(f"/publicity/{families['b'][0].pk}/notice.pdf").status_code == 404
    uninsured = PersonFactory(street=street_a)
    response = client.get(f"/publicity/{uninsured.pk}/notice.pdf", follow=True)
    assert "没有有效保单" in response.content.decode()
    dead = families["a"][2]               # died this year: no notice to a deceased person
    assert client.get(f"/publicity/{dead.pk}/notice.pdf").status_code == 302


@pytest.mark.django_db
def test_a_streets_batch_is_one_pdf_of_its_living_families(client_for, officer_a, families, this_year, street_a):
    client = client_for(officer_a)
    response = client.post("/publicity/batch/", {"scheme_year": this_year.pk, "street": street_a.pk})
    job = BackgroundJob.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert (job.status, job.progress_total) == ("done", 2)
    content = _content(client.get(f"/jobs/{job.pk}/download/"))
    text = pdf_text(content)
    assert pdf_pages(content) == 2
    assert "王秀英" in text and "刘建国" in text and "孙玉珍" not in text and "赵玉兰" not in text
    assert job.result_name.startswith(f"宣传告知书_{this_year.name}_中仓街道_")


@pytest.mark.django_db
def test_an_officer_cannot_batch_another_street(client_for, officer_a, families, this_year, street_a, street_b):
    """An officer has no street to choose: asking for B prints A's, their own."""
    client_for(officer_a).post("/publicity/batch/", {"scheme_year": this_year.pk, "street": street_b.pk})
    job = BackgroundJob.objects.get(kind="publicity_batch")
    assert job.params["street_id"] == street_a.pk
    Worker().run(once=True)
    job.refresh_from_db()
    assert job.progress_total == 2


@pytest.mark.django_db
def test_delivery_is_recorded_in_the_service_log_and_moves_the_share(client_for, officer_a, families, this_year,
                                                                   commission_staff, street_a):
    first, second, _ = families["a"]
    client = client_for(officer_a)
    page = client.get("/publicity/").content.decode()
    assert "0.0%" in page and 'name="person"' in page
    # Only those not yet told: the batch of the pending ones and the list filter agree.
    today = timezone.localdate()
    response = client.post("/publicity/deliver/", {"person": [first.pk], "delivered_on": today.isoformat(),
                                                   "scheme_year": this_year.pk, "street": street_a.pk}, follow=True)
    assert "已登记 1 户宣传告知书送达" in response.content.decode()
    entry = ServiceEntry.objects.get()
    assert (entry.person, entry.kind, entry.served_on, entry.officer) == (first, "publicity", today, officer_a)
    page = client.get("/publicity/", {"pending": "on"}).content.decode()
    assert second.name in page and first.name not in page.split('data-testid="publicity-table"')[1]
    # The commission sees the share per street: A 1 of 2 living families, B none.
    table = client_for(commission_staff).get("/publicity/").content.decode().split('data-testid="publicity-by-street"')[1]
    row_a = table.split("中仓街道")[1].split("</tr>")[0]
    assert ">2<" in row_a and ">1<" in row_a and "50.0%" in row_a
    # The commission keeps no service log: it cannot record a delivery.
    assert client_for(commission_staff).post("/publicity/deliver/", {
        "person": [second.pk], "delivered_on": today.isoformat()}).status_code == 403


@pytest.mark.django_db
def test_delivery_is_all_or_none(officer_a, families):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        publicity_delivery_record(person_ids=[families["a"][0].pk, families["b"][0].pk],
                                  delivered_on=timezone.localdate(), actor=officer_a)
    assert not ServiceEntry.objects.exists()


@pytest.mark.django_db
def test_share_counts_only_this_years_publicity_entries(officer_a, families, this_year, street_a, street_b,
                                                        commission_staff):
    from oversight.selectors.publicity import publicity_per_street

    first, second, _ = families["a"]
    today = timezone.localdate()
    service_entry_record(person_id=first.pk, kind="publicity", served_on=today, actor=officer_a)
    service_entry_record(person_id=second.pk, kind="home_visit", served_on=today, actor=officer_a)  # not publicity
    officer_b = make_user(Role.STREET_OFFICER, username="officer_b_pub", street_obj=street_b)
    last_year = this_year.coverage_start - timedelta(days=3)
    if (today - last_year).days <= 366:        # last year's entry, where the date rule still allows one
        service_entry_record(person_id=families["b"][0].pk, kind="publicity", served_on=last_year, actor=officer_b)
    rows = {r.street.pk: (r.insured, r.delivered, r.share) for r in publicity_per_street(commission_staff, this_year)}
    assert rows[street_a.pk][:2] == (2, 1) and str(rows[street_a.pk][2]) == "50.0"
    assert rows[street_b.pk][:2] == (2, 0)
    assert len(rows) == 22                      # every street has its line
    assert [r.street for r in publicity_per_street(officer_a, this_year)] == [street_a]
