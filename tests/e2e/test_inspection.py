"""An inspection in a real browser: commission staff record an inspection of a street with a
finding; that street's officer sees it on the home page and answers with an upload; staff
accept the rectification; the finding leaves the list of open findings."""

from playwright.sync_api import expect

from oversight.models import InspectionFinding
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD, make_user, street
from tongzhou_care.core.models import Role


def test_inspect_answer_accept(page, screenshot, tmp_path):
    make_user(Role.COMMISSION_STAFF, username="staff_inspect")
    make_user(Role.STREET_OFFICER, username="officer_inspect", street_obj=street("001"))
    evidence = tmp_path / "整改台账.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    login(page, "staff_inspect", TEST_PASSWORD)
    page.get_by_role("link", name="巡查", exact=True).click()
    page.get_by_role("link", name="记录巡查").click()
    page.get_by_label("街道/乡镇", exact=True).check()
    page.get_by_label("被巡查街道/乡镇").select_option(label="中仓街道")
    page.get_by_label("理赔", exact=True).check()
    page.get_by_label("服务", exact=True).check()
    page.get_by_label("巡查人员").fill("王明、李华")
    page.get_by_label("巡查情况").fill("抽查理赔材料和入户服务台账。")
    page.get_by_role("button", name="保存巡查").click()
    expect(page.get_by_text("巡查已记录")).to_be_visible()
    page.get_by_label("问题类别").select_option(label="服务")
    page.get_by_label("问题描述").fill("入户服务台账缺少服务对象签字。")
    page.get_by_label("整改要求").fill("补齐近三个月的签字。")
    page.get_by_label("整改期限（工作日）").fill("10")
    page.get_by_role("button", name="登记问题并通知责任单位").click()
    expect(page.get_by_test_id("finding-table")).to_contain_text("待整改")
    screenshot("recorded")
    page.get_by_role("button", name="退出登录").click()

    login(page, "officer_inspect", TEST_PASSWORD)
    page.get_by_test_id("home-findings").get_by_role("link", name="1 个巡查问题待本单位整改").click()
    page.get_by_role("link", name="入户服务台账缺少服务对象签字。").click()
    page.get_by_label("整改情况").fill("已逐户补齐签字，并建立每月核对制度。")
    page.get_by_label("整改佐证材料（JPG、PNG 或 PDF，每个不超过 10 MB，可多选）").set_input_files(str(evidence))
    page.get_by_role("button", name="报送整改情况").click()
    expect(page.get_by_test_id("deadline")).to_have_text("整改情况已报送，等待区卫健委验收。")
    expect(page.get_by_test_id("finding-status")).to_have_text("待验收")
    expect(page.get_by_role("link", name="整改台账.pdf")).to_be_visible()
    screenshot("answered")
    page.get_by_role("button", name="退出登录").click()

    login(page, "staff_inspect", TEST_PASSWORD)
    page.get_by_role("link", name="1 个巡查问题的整改待验收").click()
    page.get_by_role("link", name="入户服务台账缺少服务对象签字。").click()
    page.get_by_label("验收意见").fill("签字齐全，整改到位。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="验收通过").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已验收")
    page.get_by_role("link", name="巡查问题整改").click()
    page.get_by_label("状态").select_option(label="未办结")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("total-count")).to_have_text("0")
    expect(page.get_by_text("入户服务台账缺少服务对象签字。")).to_have_count(0)
    screenshot("accepted")
    assert InspectionFinding.objects.get().status == "accepted"
