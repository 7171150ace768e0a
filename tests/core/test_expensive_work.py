"""Issue 13 point 5: expensive work off the request path. A large payment file is checked and a
large roster applied by a background job with progress; the payment file goes through the
roster's table reader (total lines end the table, CSV formulas refused); each user has at most
one such job; logins and uploads are rate-limited per user and per address."""

from datetime import date as D

import openpyxl
import pytest
from django.test import Client

from claims.models import Claim, ClaimStatus, PaymentBatch
from tests.claims.conftest import decided_claim
from tests.claims.conftest import insured, insurer_user, year  # noqa: F401  (fixtures)
from tests.factories import TEST_PASSWORD, make_user
from tongzhou_care.core.jobs import Worker, job_defer
from tongzhou_care.core.models import BackgroundJob, Role
from tongzhou_care.core.rules import RuleViolation


def _payment_file(tmp_path, rows, name="支付明细.xlsx", tail=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["中国人寿北京分公司 住院护理补贴支付明细"])
    sheet.append(["理赔编号", "支付金额", "支付日期", "银行流水号"])
    for row in list(rows) + list(tail):
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


@pytest.mark.django_db
def test_large_payment_file_is_checked_by_a_job_and_its_total_line_ends_the_table(
        client_for, officer_a, insurer_user, insured, tmp_path, settings):  # noqa: F811
    settings.PAYMENT_BACKGROUND_BYTES = 1000
    one = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    two = decided_claim(insured, officer_a, insurer_user, D(2025, 4, 1), D(2025, 4, 3))
    path = _payment_file(tmp_path, [[one.number, "3000.00", "2025-04-10", "B1"], [two.number, "600", "2025-04-10", "B2"]],
                         tail=[["合计", "3600.00", "", ""], [], ["制表人：王会计", "", "审核人：李主任", ""]])
    assert path.stat().st_size > settings.PAYMENT_BACKGROUND_BYTES
    client = client_for(insurer_user)
    with path.open("rb") as f:
        response = client.post("/payments/import/", {"file": f})
    job = BackgroundJob.objects.get(kind="payment_check")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert not PaymentBatch.objects.exists()                 # nothing checked in the request
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == ("done", 2, 2), job.message
    body = client.get(job.result_url).content.decode()
    assert "待登记 2 笔，合计 3,600.00 元" in body and "有错误" not in body
    batch = PaymentBatch.objects.get()
    assert client.post("/payments/import/", {"batch": batch.pk}).status_code == 200
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAID}
    assert client_for(make_user(Role.INSURER_STAFF, insurer=insurer_user.insurer)).get(
        job.result_url).status_code == 404                  # another user's batch


@pytest.mark.django_db
def test_a_payment_csv_with_a_padded_formula_is_refused(client_for, insurer_user, tmp_path):  # noqa: F811
    path = tmp_path / "支付明细.csv"
    path.write_text("理赔编号,支付金额,支付日期,银行流水号\nLP20250000001,\" =1+2\",2025-04-10,B1\n", encoding="utf-8")
    with path.open("rb") as f:
        body = client_for(insurer_user).post("/payments/import/", {"file": f}).content.decode()
    assert "含有公式" in body and not PaymentBatch.objects.exists()


@pytest.mark.django_db
def test_each_user_has_one_expensive_job_at_a_time(client_for, insurer_user, tmp_path, settings):  # noqa: F811
    settings.PAYMENT_BACKGROUND_BYTES = 100
    path = _payment_file(tmp_path, [["LP20250000001", "10", "2025-04-10", "B1"]])
    client = client_for(insurer_user)
    with path.open("rb") as f:
        assert client.post("/payments/import/", {"file": f}).status_code == 302
    with path.open("rb") as f:
        response = client.post("/payments/import/", {"file": f})
    assert response.status_code == 429 and "正在处理" in response.content.decode()
    assert BackgroundJob.objects.filter(created_by=insurer_user).count() == 1
    with pytest.raises(RuleViolation, match="正在处理"):
        job_defer(kind="roster_apply", title="x", params={}, actor=insurer_user)
    other = make_user(Role.INSURER_STAFF, insurer=insurer_user.insurer)
    with path.open("rb") as f:
        assert client_for(other).post("/payments/import/", {"file": f}).status_code == 302
    assert Worker().run(once=True) == 2                       # done: the next one may start
    with path.open("rb") as f:
        assert client.post("/payments/import/", {"file": f}).status_code == 302


@pytest.mark.django_db
def test_a_large_roster_apply_runs_as_a_job(client_for, commission_admin, tmp_path, settings):
    from enrollment.models import Person, RosterImport
    from enrollment.services import roster_import_preview
    from tests import rosters

    settings.ROSTER_BACKGROUND_APPLY_ROWS = 5
    path = rosters.as_xlsx(rosters.sample(), tmp_path)
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert ri.new_count > 5
    client = client_for(commission_admin)
    response = client.post(f"/roster/imports/{ri.pk}/apply/", {"apply_new": "on"})
    job = BackgroundJob.objects.get(kind="roster_apply")
    assert response["Location"] == f"/jobs/{job.pk}/" and not Person.objects.exists()
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert job.result_url == f"/roster/imports/{ri.pk}/"
    assert (job.progress_done, job.progress_total) == (ri.new_count, ri.new_count)
    assert RosterImport.objects.get(pk=ri.pk).status == "applied" and Person.objects.count() == ri.new_count


@pytest.mark.django_db
def test_logins_are_rate_limited_per_address_and_per_user(officer_a, settings):
    settings.RATE_LIMITS = {"login": {"per_address": (3, 60), "per_user": (4, 60)},
                            "upload": {"per_address": (100, 60), "per_user": (100, 60)}}

    def login(username, ip):
        return Client().post("/login/", {"username": username, "password": "wrong-Passw0rd-1"}, REMOTE_ADDR=ip)
    assert [login(f"u{i}", "10.1.0.1").status_code for i in range(4)] == [200, 200, 200, 429]
    refused = login("u9", "10.1.0.1")
    assert refused.status_code == 429 and "登录尝试过于频繁，请" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    # One account from many addresses: limited per user.
    assert [login("officer_a", f"10.1.1.{i}").status_code for i in range(5)][-1] == 429


@pytest.mark.django_db
def test_uploads_are_rate_limited_per_user(client_for, insurer_user, tmp_path, settings):  # noqa: F811
    settings.RATE_LIMITS = {"login": {"per_address": (100, 60), "per_user": (100, 60)},
                            "upload": {"per_address": (100, 60), "per_user": (2, 60)}}
    path = _payment_file(tmp_path, [["LP20250000001", "10", "2025-04-10", "B1"]])
    client = client_for(insurer_user)
    statuses = []
    for _ in range(3):
        with path.open("rb") as f:
            statuses.append(client.post("/payments/import/", {"file": f}).status_code)
    assert statuses == [200, 200, 429]
    assert PaymentBatch.objects.count() == 2
