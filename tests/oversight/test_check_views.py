"""The data checks as users meet them: the finding list with its filters and per-rule counts,
a finding linked to its person or claim and handled on its page, the Excel export, starting a
run, the home pages; each role sees what it may."""

import io

import openpyxl
import pytest

from oversight.models import CheckFinding
from oversight.rules.checks import CHECK_RULES, RULES_BY_NAME
from oversight.services.checks import checks_run
from tongzhou_care.core.models import AccessLog, BackgroundJob

from .checks_world import SWITCHES, TODAY, build_world


@pytest.fixture
def world(street_a, street_b, commission_staff, commission_admin):
    world = build_world(street_a=street_a, street_b=street_b, commission_staff=commission_staff,
                        commission_admin=commission_admin)
    SWITCHES["paid_not_decided"](world, True)         # street A: a claim of p1
    SWITCHES["woman_under_49"](world, True)           # street A: p2
    SWITCHES["roster_dead_active"](world, True)       # street B: p3
    checks_run(actor=world.staff, today=TODAY)
    return world


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_commission_lists_filters_and_handles(client_for, world, commission_staff):
    client = client_for(commission_staff)
    page = client.get("/checks/")
    assert page.context["page"].paginator.count == 3
    summary = {row["rule"].name: row["open"] for row in page.context["summary"]}
    assert summary == {r.name: (1 if r.name in ("paid_not_decided", "woman_under_49", "roster_dead_active") else 0)
                       for r in CHECK_RULES}
    body = page.content.decode()
    assert "支付金额与核定金额不符" in body and "核定 3,000.00 元，2025-03-20 支付 2,900.00 元" in body
    assert client.get("/checks/", {"rule": "woman_under_49"}).context["page"].paginator.count == 1
    assert client.get("/checks/", {"street": world.street_b.pk}).context["page"].paginator.count == 1
    assert client.get("/checks/", {"status": "resolved"}).context["page"].paginator.count == 0

    finding = CheckFinding.objects.get(rule="paid_not_decided")
    detail = client.get(f"/checks/{finding.pk}/").content.decode()
    assert f'href="/claims/{world.c1.pk}/"' in detail and f'href="/persons/{world.p1.pk}/"' in detail
    assert "核实处理" in detail and "排除" in detail
    refused = client.post(f"/checks/{finding.pk}/resolve/", {"note": "好"})
    assert refused.status_code == 400 and "至少4个字" in refused.content.decode()
    client.post(f"/checks/{finding.pk}/resolve/", {"note": "保险公司已补付差额。"})
    finding.refresh_from_db()
    assert (finding.status, finding.note, finding.handled_by) == ("resolved", "保险公司已补付差额。", commission_staff)
    assert "重新打开" in client.get(f"/checks/{finding.pk}/").content.decode()
    assert client.get("/checks/", {"status": "resolved"}).context["page"].paginator.count == 1


@pytest.mark.django_db
def test_officer_sees_their_streets_findings_only_and_cannot_handle_them(client_for, world, officer_a, officer_b):
    mine = client_for(officer_a).get("/checks/")
    assert {r["finding"].street_id for r in mine.context["rows"]} == {world.street_a.pk}
    assert mine.context["page"].paginator.count == 2
    theirs = CheckFinding.objects.get(rule="roster_dead_active")
    assert client_for(officer_a).get(f"/checks/{theirs.pk}/").status_code == 404
    ours = CheckFinding.objects.get(rule="woman_under_49")
    page = client_for(officer_a).get(f"/checks/{ours.pk}/").content.decode()
    assert "女方开始享受扶助时未满49周岁" in page and "核实处理" not in page
    assert client_for(officer_a).post(f"/checks/{ours.pk}/resolve/", {"note": "已核实并处理。"}).status_code == 403
    assert client_for(officer_a).post("/checks/run/").status_code == 403
    assert client_for(officer_b).get("/checks/").context["page"].paginator.count == 1


@pytest.mark.django_db
def test_insurer_and_finance_see_no_data_checks(client_for, world, insurer_staff, finance):
    for user in (insurer_staff, finance):
        assert client_for(user).get("/checks/").status_code == 403
        assert client_for(user).get(f"/checks/{CheckFinding.objects.first().pk}/").status_code == 404


@pytest.mark.django_db
def test_export_holds_the_filtered_scoped_rows_masked(client_for, world, officer_a):
    response = client_for(officer_a).get("/checks/export/", {"rule": "woman_under_49"})
    sheet = openpyxl.load_workbook(io.BytesIO(_content(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("核查规则", "对象", "参保对象", "公民身份号码") and sheet.freeze_panes == "A2"
    assert len(rows) == 2 and rows[1][0] == "女方开始享受扶助时未满49周岁" and rows[1][2] == world.p2.name
    assert rows[1][3] == world.p2.id_number[:6] + "********" + world.p2.id_number[-4:]          # masked (S10)
    assert rows[1][6] == "出生日期 1970-01-01，2018-12-31 开始享受扶助，未满49周岁"
    log = AccessLog.objects.get(action="export")
    assert (log.target, log.detail, log.rows) == ("数据核查发现", "核查规则：女方开始享受扶助时未满49周岁", 1)


@pytest.mark.django_db
def test_staff_start_a_run_and_another_click_joins_it(client_for, world, commission_staff):
    from tests.factories import make_user
    from tongzhou_care.core.models import Role

    response = client_for(commission_staff).post("/checks/run/")
    job = BackgroundJob.objects.get(kind="data_checks")
    assert response["Location"] == f"/jobs/{job.pk}/"
    other = client_for(make_user(Role.COMMISSION_STAFF, username="other_staff")).post("/checks/run/", follow=True)
    assert "数据核查正在运行" in other.content.decode()
    assert BackgroundJob.objects.filter(kind="data_checks").count() == 1


@pytest.mark.django_db
def test_rules_runs_and_home_pages(client_for, world, commission_staff, officer_a):
    client = client_for(commission_staff)
    rules = client.get("/checks/rules/").content.decode()
    assert all(rule.title in rules and rule.description in rules for rule in CHECK_RULES)
    runs = client.get("/checks/runs/").content.decode()
    assert RULES_BY_NAME["paid_not_decided"].title in runs and "手动运行" in runs
    assert "3 条数据核查发现待处理" in client.get("/").content.decode()
    assert "2 条数据核查发现待处理" in client_for(officer_a).get("/").content.decode()
