"""A street officer on a phone (390 × 844, the size of a common handset): every page the
officer can reach fits the screen, with no control off it, and the claim report and the
document upload work there. Screenshots of each page: test-artifacts/phone-*.png."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from claims import services as claim_services
from claims.models import Claim
from claims.selectors import documents_status
from enrollment.services import policies_issue
from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import TEST_PASSWORD, PersonFactory, SchemeYearFactory, make_user, street, uploaded_file
from tests.scoping import plant
from tests.test_scoping import app_patterns, url_for
from tongzhou_care.core.models import BackgroundJob, Role

PHONE = {"width": 390, "height": 844}
# Pages the crawl must have reached, or it proves little.
MUST_VISIT = {"home", "claims:claim_list", "claims:overdue_list", "claims:report_person", "claims:report",
              "claims:claim_detail", "enrollment:person_list", "enrollment:person_detail",
              "enrollment:person_edit", "job_list", "job_detail", "password_change"}

# Everything a finger can reach; a control that is rendered must lie inside the screen.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const off = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary, label, [tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .visually-hidden-focusable')) continue;
    if (box.left < -0.5 || box.right > width + 0.5) off.push(`${el.outerHTML.slice(0, 100)} at ${Math.round(box.left)}–${Math.round(box.right)}`);
  }
  return {width, scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), off};
}"""


@pytest.fixture
def phone(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def misfits(page, name: str) -> list[str]:
    """What does not fit the phone on this page (wider than the screen, controls off it), after
    a screenshot of it."""
    page.wait_for_load_state()          # a click that navigates: measure the page it opens
    measured = page.evaluate(MEASURE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    problems = []
    if measured["scroll"] > measured["width"]:
        problems.append(f"{name}: {measured['scroll']} px wide on a {measured['width']} px screen")
    if measured["off"]:
        problems.append(f"{name}: controls off the screen: {measured['off']}")
    return problems


def fits(page, name: str):
    """Assert the page is no wider than the phone and no control lies off it; screenshot it."""
    problems = misfits(page, name)
    assert not problems, "\n".join(problems)


def a_street_with_claims():
    """The officer's street with insured persons and claims in the states an officer meets."""
    today = timezone.localdate()
    year = SchemeYearFactory(name="本年度", coverage_start=today - timedelta(days=200),
                             coverage_end=today + timedelta(days=164), daily_subsidy=Decimal("300.00"))
    admin = make_user(Role.COMMISSION_ADMIN)
    officer = make_user(Role.STREET_OFFICER, username="officer_phone", street_obj=street("001"))
    insurer = make_user(Role.INSURER_STAFF, username="insurer_phone", insurer=year.insurer)
    people = [PersonFactory(street=street("001"), name=name, community="运河社区") for name in
              ("赵桂兰", "钱秀英", "孙玉珍", "李淑珍", "周志刚")]
    policies_issue(scheme_year_id=year.pk, actor=admin, today=year.coverage_start)

    def stay(days_ago, length, **extra):
        return {"hospital": "首都医科大学附属北京潞河医院", "admitted_on": today - timedelta(days=days_ago),
                "discharged_on": today - timedelta(days=days_ago - length) if length else None,
                "cause": "illness", "diagnosis": "肺炎", "reporter_name": "李专管", "reporter_relation": "专管员",
                "reporter_phone": "13900001111", **extra}

    reported = claim_services.claim_report(person=people[0], data=stay(20, 10), actor=officer)
    in_hospital = claim_services.claim_report(person=people[1], data=stay(5, 0), actor=officer)
    asked = claim_services.claim_report(person=people[2], data=stay(40, 12, proxy_filing=True), actor=officer)
    claim_services.claim_upload_documents(claim_id=asked.pk, actor=officer,
                                          documents=[("id_card", uploaded_file("jpg", "身份证.jpg"))])
    claim_services.claim_request_documents(claim_id=asked.pk, actor=insurer)
    paid = claim_services.claim_report(person=people[3], data=stay(90, 15), actor=officer)
    claim_services.claim_upload_documents(claim_id=paid.pk, actor=officer, documents=[
        (kind, uploaded_file("pdf")) for kind in documents_status(paid)[0]])
    claim_services.claim_accept(claim_id=paid.pk, actor=insurer)
    claim_services.claim_decide(claim_id=paid.pk, actor=insurer)
    claim_services.payment_record(claim_id=paid.pk, paid_on=today, amount=Claim.objects.get(pk=paid.pk).amount,
                                  bank_reference="ZH2026000001", actor=insurer)
    # The service log has a home visit and a green-channel help at the bedside.
    from oversight.services.service_log import service_entry_record
    service_entry_record(person_id=people[0].pk, kind="home_visit", served_on=today - timedelta(days=30),
                         note="上门了解近况，老人身体尚可，家中有保姆照看", actor=officer)
    service_entry_record(person_id=people[0].pk, kind="green_channel", served_on=today - timedelta(days=15),
                         note="协助联系潞河医院病房，代取出院小结", claim_id=reported.pk, actor=officer)
    # The insurer is late with the first one: it shows in 逾期待办.
    Claim.objects.filter(pk=reported.pk).update(due_on=today - timedelta(days=3))
    BackgroundJob.objects.create(kind="certificate_batch", title="中仓街道保险凭证", created_by=officer)
    return officer, people, {"reported": reported, "in_hospital": in_hospital, "asked": asked, "paid": paid}


def officer_pages(officer) -> list[tuple[str, str]]:
    """(url name, URL) of every page the officer can open: the crawl of test_scoping.py over
    every URL pattern, with objects of the officer's street planted for each id, kept where
    the officer gets an HTML page (downloads, POST-only actions and other people's objects
    drop out by their answer)."""
    from tests.two_factor import verified

    client = Client()
    client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    verified(client, officer)                # past the second factor (S7), as after a login
    pages = []
    for regex, name, kwargs in app_patterns():
        if name in ("login", "logout"):
            continue
        url = url_for(regex, {k: v.pk for k, v in plant(kwargs, officer.street).items()})
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append((name, url))
    return pages


def test_every_officer_page_fits_a_phone(phone, live_server):
    officer, people, claims = a_street_with_claims()
    own_job = BackgroundJob.objects.get(created_by=officer)
    for old in ARTIFACTS.glob("phone-[0-9][0-9]-*.png"):      # the crawl's screenshots of a run before
        old.unlink()

    phone.goto("/login/")
    fits(phone, "login")
    login(phone, "officer_phone", TEST_PASSWORD)

    # The top bar: the menu button, the user and the logout button on one line.
    user, logout = phone.get_by_test_id("current-user"), phone.get_by_role("button", name="退出登录")
    expect(user).to_be_visible()
    user_box, logout_box = user.bounding_box(), logout.bounding_box()
    assert logout_box["height"] < 48 and abs(user_box["y"] + user_box["height"] / 2
                                             - logout_box["y"] - logout_box["height"] / 2) < 8
    # The side menu is behind the 菜单 button, with the same items as on a desktop.
    menu = phone.get_by_role("navigation", name="主菜单")
    expect(menu).to_be_hidden()
    phone.get_by_role("button", name="菜单").click()
    expect(menu).to_be_visible()
    # Slid in (polled with evaluate: wait_for_function compiles its text with eval, which the
    # content security policy refuses, as it should).
    for _ in range(50):
        if phone.evaluate("document.getElementById('sidebar').getBoundingClientRect().left") >= 0:
            break
        phone.wait_for_timeout(100)
    from tongzhou_care.core.navigation import menu_for
    desktop_menu = [item["label"] for item in menu_for(officer, "/")]
    assert [t.strip() for t in menu.get_by_role("link").all_inner_texts()] == desktop_menu + ["修改密码"]
    assert {"报案", "理赔", "参保对象", "服务台账"} <= set(desktop_menu)
    fits(phone, "menu")
    phone.get_by_role("button", name="关闭菜单").click()
    expect(menu).to_be_hidden()

    visited, problems = set(), []
    pages = officer_pages(officer) + [
        ("job_detail", f"/jobs/{own_job.pk}/"),
        ("claims:report_person", f"/claims/report/?q={people[0].name}"),
        ("enrollment:person_list", "/persons/?q=赵"),
    ] + [("claims:claim_detail", f"/claims/{c.pk}/") for c in claims.values()]
    for number, (name, url) in enumerate(pages):
        response = phone.goto(url)
        assert response.status == 200, f"{name} {url}"
        visited.add(name)
        problems += misfits(phone, f"{number:02d}-{name.replace(':', '-')}")
    assert not problems, "\n".join(problems)
    assert MUST_VISIT <= visited, f"not reached: {MUST_VISIT - visited}"

    # The forms an officer opens on the claim page (撤案, 申请复核) fit when open too.
    phone.goto(f"/claims/{claims['reported'].pk}/")
    for summary in phone.locator("summary").all():
        summary.click()
    fits(phone, "claim-forms-open")
    # The page of full numbers after a stated reason (a POST) fits as well.
    phone.goto(f"/persons/{people[0].pk}/")
    phone.get_by_label("查看事由").fill("核对理赔材料")
    phone.get_by_role("button", name="查看完整信息").click()
    expect(phone.get_by_test_id("id-number")).to_have_text(people[0].id_number)
    fits(phone, "person-unmasked")
    phone.goto("/persons/999999/")
    fits(phone, "not-found")


def test_lists_are_cards_with_name_and_state_first(phone, live_server):
    officer, people, claims = a_street_with_claims()
    login(phone, "officer_phone", TEST_PASSWORD)
    phone.goto("/claims/")
    card = phone.get_by_test_id("claim-table").locator("tbody tr").filter(has_text=people[2].name)
    name, state = card.locator("td.card-title"), card.locator("td.card-state")
    name_box, state_box = name.bounding_box(), state.bounding_box()
    # Name and state on the first line of the card, what the claim waits for right below.
    assert abs(name_box["y"] - state_box["y"]) < 12 and state_box["x"] > name_box["x"]
    expect(state).to_have_text("待补材料")
    waits = card.get_by_text("待补材料", exact=True).last
    assert waits.bounding_box()["y"] > name_box["y"] + name_box["height"] - 1
    # A card is one target: a tap on the hospital's line opens the claim.
    card.scroll_into_view_if_needed()
    hospital = card.locator("td", has_text="首都医科大学").bounding_box()
    phone.touchscreen.tap(hospital["x"] + hospital["width"] / 2, hospital["y"] + hospital["height"] / 2)
    expect(phone).to_have_url(re.compile(rf"/claims/{claims['asked'].pk}/$"))


def test_report_a_stay_and_upload_two_photos_on_a_phone(phone, live_server, tmp_path):
    """The whole report and the documents from the phone's camera: two photos in one go, each
    with its kind and a thumbnail before sending; an iPhone's HEIC arrives as a JPEG, a large
    photo reduced to A4 print size."""
    import pillow_heif
    from PIL import Image, ImageDraw

    today = timezone.localdate()
    officer, people, claims = a_street_with_claims()
    person = people[4]                      # insured, no stay reported yet
    pillow_heif.register_heif_opener()
    photos = {}
    for name, fmt, colour in (("IMG_0001.HEIC", "HEIF", "white"), ("IMG_0002.jpg", "JPEG", "lightyellow")):
        image = Image.new("RGB", (4032, 3024), colour)
        ImageDraw.Draw(image).rectangle((300, 300, 3700, 2700), outline="black", width=40)
        image.save(tmp_path / name, fmt, quality=90)
        photos[name] = tmp_path / name

    login(phone, "officer_phone", TEST_PASSWORD)
    # Two taps from home: find the person, then 为其报案.
    phone.get_by_label("查找参保对象：姓名或身份证号后4位").fill(person.id_number[-4:])
    phone.get_by_role("button", name="查找").click()
    phone.get_by_role("link", name="为其报案").click()
    expect(phone.get_by_test_id("days-left")).to_be_visible()
    fits(phone, "report-form")
    phone.get_by_label("医院").fill("北京潞河医院")
    phone.get_by_label("入院日期（病房）").fill((today - timedelta(days=3)).isoformat())
    phone.get_by_label("仍在住院").check()
    phone.get_by_label("诊断").fill("肺炎")
    phone.get_by_label("报案人电话").fill("13900001111")
    phone.get_by_role("button", name="提交报案").click()
    expect(phone.get_by_test_id("claim-status")).to_have_text("已报案")
    claim = Claim.objects.get(person=person)
    assert claim.discharged_on is None

    # The camera button opens the phone's camera directly; each photo joins the list.
    camera = phone.locator("input[type=file][capture=environment]")
    assert camera.get_attribute("accept") == "image/*"
    expect(phone.get_by_role("button", name="上传所选文件")).to_be_visible()
    expect(phone.get_by_label("被保险人身份证（缺）")).to_be_hidden()          # the boxes per kind give way
    camera.set_input_files(str(photos["IMG_0001.HEIC"]))
    camera.set_input_files(str(photos["IMG_0002.jpg"]))
    # Each gets the next missing kind; the officer corrects the second.
    expect(phone.get_by_label("第 1 张：材料类型")).to_have_value("id_card")
    expect(phone.get_by_label("第 2 张：材料类型")).to_have_value("discharge_summary")
    phone.get_by_label("第 2 张：材料类型").select_option(label="收款人银行借记卡（缺）")
    # A thumbnail of the JPEG is drawn before sending (the HEIC, which this browser cannot
    # read, shows its type on a tile); a removed photo is not sent.
    thumbnails = phone.get_by_role("img", name=re.compile("缩略图"))
    expect(thumbnails).to_have_count(2)
    drawn = thumbnails.nth(1).evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 80) dark++; return dark; }")
    assert drawn > 100                                     # the black frame of the photo is there
    phone.locator("input[type=file][data-camera-input][multiple]").set_input_files(str(photos["IMG_0002.jpg"]))
    expect(thumbnails).to_have_count(3)
    phone.get_by_role("button", name="移除第 3 张").click()
    expect(thumbnails).to_have_count(2)
    fits(phone, "camera-photos")
    phone.get_by_role("button", name="上传所选文件").click()
    expect(phone.get_by_text("已上传 2 个文件")).to_be_visible()

    stored = {d.kind: d for d in claim.documents.all()}
    assert set(stored) == {"id_card", "bank_card"}
    for document in stored.values():
        with document.file.open("rb") as f:
            image = Image.open(f)
            assert (image.format, image.size) == ("JPEG", (2480, 1860))      # A4 print size
    assert stored["id_card"].original_name == "IMG_0001.jpg"                 # the HEIC, converted
    expect(phone.get_by_test_id("checklist")).to_contain_text("出院小结或诊断证明（写明住院起止日期）（缺）")
    fits(phone, "claim-after-upload")


def test_log_a_visit_in_two_taps_from_home(phone, live_server):
    """At the family's door: find the person from the home page (tap 1), 登记服务 (tap 2); the
    date is today, pick how, 登记服务."""
    from oversight.models import ServiceEntry

    officer, people, claims = a_street_with_claims()
    person = people[1]
    login(phone, "officer_phone", TEST_PASSWORD)
    phone.get_by_label("查找参保对象：姓名或身份证号后4位").fill(person.name)
    phone.get_by_role("button", name="查找").click()
    fits(phone, "person-found")
    card = phone.get_by_test_id("person-found").locator("tbody tr").filter(has_text=person.name)
    card.get_by_role("link", name="登记服务").click()
    expect(phone.get_by_label("服务日期")).to_have_value(timezone.localdate().isoformat())
    phone.get_by_label("服务方式").select_option(label="上门服务")
    phone.get_by_label("服务内容（可不填）").fill("上门看望，出院后恢复良好")
    fits(phone, "visit-form")
    phone.get_by_role("button", name="登记服务").click()
    expect(phone.get_by_text(f"已登记{person.name}的服务：上门服务。")).to_be_visible()
    entry = ServiceEntry.objects.get(person=person, note="上门看望，出院后恢复良好")
    assert (entry.kind, entry.served_on, entry.officer_id) == ("home_visit", timezone.localdate(), officer.pk)
