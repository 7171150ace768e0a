"""The home dashboards in a real browser: for each role the charts are drawn (Chart.js from the
json_script data) with their tables beside them, under a strict Content-Security-Policy (no
inline script or style) without a single violation, and the page prints on A4 with the tables'
figures in it. Screenshots and the printed PDFs: test-artifacts/dashboard-*."""

import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from claims import services
from claims.selectors import documents_status
from enrollment.services import policies_issue
from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import TEST_PASSWORD, PersonFactory, SchemeYearFactory, make_user, street, uploaded_file
from tongzhou_care.core.models import Role

# What the security work (issue 13) sends on every page; set here too, so this test holds the
# dashboards to it whether or not the middleware is installed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber + ' ' + (e.sample || '')));
"""
# Every chart drawn: a Chart.js instance on the canvas, a canvas with a size, and ink on it.
DRAWN = """() => [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
  const chart = Chart.getChart(canvas);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4 * 97) if (data[i] > 0) ink++;
  return {id: canvas.dataset.chart, chart: !!chart, width: canvas.width, height: canvas.height, ink,
          label: canvas.getAttribute('aria-label'), table: !!canvas.closest('section').querySelector('table')};
})"""


def violations(page) -> list[str]:
    """The page's CSP violations, whatever their source."""
    return page.evaluate("window.__violations")


@pytest.fixture
def strict_page(page):
    def with_csp(route):
        response = route.fetch(max_redirects=0)          # redirects go back to the browser as they are
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route("**/*", with_csp)
    page.add_init_script(WATCH)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


@pytest.fixture
def district():
    """This scheme year (so deliveries, reports and payments are dated today or before), two
    streets with insured families, claims in several states, one paid."""
    today = timezone.localdate()
    year = SchemeYearFactory(name="本年度", coverage_start=today - timedelta(days=200),
                             coverage_end=today + timedelta(days=164), daily_subsidy=Decimal("300.00"))
    admin = make_user(Role.COMMISSION_ADMIN, username="admin_dash")
    a, b = street("001"), street("104")
    officer = make_user(Role.STREET_OFFICER, username="officer_dash", street_obj=a)
    make_user(Role.STREET_OFFICER, username="officer_dash_b", street_obj=b)
    insurer = make_user(Role.INSURER_STAFF, username="insurer_dash", insurer=year.insurer)
    make_user(Role.COMMISSION_STAFF, username="staff_dash")
    make_user(Role.FINANCE, username="finance_dash")
    people = PersonFactory.create_batch(4, street=a) + PersonFactory.create_batch(3, street=b)
    policies_issue(scheme_year_id=year.pk, actor=admin, today=year.coverage_start)

    def stay(person, days_ago, length=5):
        admitted = today - timedelta(days=days_ago)
        return services.claim_report(person=person, actor=officer if person.street == a else admin, today=today,
                                     data={"hospital": "北京潞河医院", "admitted_on": admitted,
                                           "discharged_on": admitted + timedelta(days=length), "cause": "illness",
                                           "diagnosis": "肺炎", "reporter_name": "专管员", "reporter_relation": "专管员",
                                           "reporter_phone": "13900001111"})

    def complete(claim):
        services.claim_upload_documents(claim_id=claim.pk, actor=officer if claim.street == a else admin, documents=[
            (kind, uploaded_file("pdf")) for kind in documents_status(claim)[0]])
        return claim

    for person, days_ago in ((people[0], 120), (people[4], 90)):
        claim = complete(stay(person, days_ago))
        services.claim_accept(claim_id=claim.pk, actor=insurer)
        claim = services.claim_decide(claim_id=claim.pk, actor=insurer)
        services.payment_record(claim_id=claim.pk, paid_on=today - timedelta(days=days_ago - 20), amount=claim.amount,
                                bank_reference=f"ZH{claim.pk}", actor=insurer, today=today)
    decided = complete(stay(people[1], 60))
    services.claim_accept(claim_id=decided.pk, actor=insurer)
    services.claim_decide(claim_id=decided.pk, actor=insurer)
    stay(people[2], 30)                                      # reported, nothing uploaded
    services.claim_accept(claim_id=complete(stay(people[5], 20)).pk, actor=insurer)
    return year


ROLES = [  # username, the charts its home page must draw, a figure its table must show
    ("staff_dash", {"chart-money", "chart-by-month", "chart-sla", "chart-streets"}, "全区"),
    ("officer_dash", {"chart-in-progress"}, "一次性告知（材料不全）"),
    ("insurer_dash", {"chart-work-queue", "chart-sla"}, "绩效评估各项指标（至今）"),
    ("finance_dash", {"chart-premium-paid"}, "各月保费与支付赔款"),
]


@pytest.mark.parametrize("username, charts, figure", ROLES)
def test_charts_render_with_their_tables_under_a_strict_csp(strict_page, district, username, charts, figure):
    page = strict_page
    login(page, username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
    page.wait_for_function("() => typeof Chart !== 'undefined' && "
                           "[...document.querySelectorAll('canvas[data-chart]')].every((c) => Chart.getChart(c))")
    drawn = page.evaluate(DRAWN)
    assert charts <= {d["id"] for d in drawn}, drawn
    for chart in drawn:
        assert chart["chart"] and chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["ink"] > 20, f"{chart['id']} is blank"
        assert chart["table"] and "数据见下表" in chart["label"], chart
    expect(page.locator("table").filter(has_text=figure).first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{username}.png"), full_page=True)
    # Print: the charts are redrawn for A4, the tables' figures are in the printout.
    page.emulate_media(media="print")
    pdf = ARTIFACTS / f"dashboard-{username}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())               # table headers wrap in their narrow printed columns
    assert figure in flat and "通州区计划生育特殊家庭住院护理补贴保险管理系统" in flat
    assert "打印本页" not in text                                       # buttons do not print
    assert violations(page) == []
    assert [e for e in page.errors if "Content Security Policy" not in e] == []


def test_keyboard_users_reach_the_figures_as_tables(strict_page, district):
    """Canvases are images with a name; the figures are in tables with captions and header cells,
    which a screen reader reads row by row."""
    page = strict_page
    login(page, "staff_dash", TEST_PASSWORD)
    table = page.get_by_role("table", name="各月理赔件数（按目前状态）")
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader").first).to_be_visible()
    expect(page.get_by_role("img", name="本年度理赔按入院月份和状态（图表，数据见下表）")).to_be_visible()
    assert violations(page) == []
