"""The figures pages by role: the evaluation with its printout and workbook, the claims behind an
indicator, the dynamic adjustment with its what-if, and the annual report job (its PDF read
back with pdftotext, its workbook with openpyxl)."""

import io
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from enrollment.models import SchemeYear
from tests.factories import make_user
from tests.oversight.test_figures import world  # noqa: F401  (the small world counted by hand)
from tests.test_scoping import body_text
from tongzhou_care.core.jobs import Worker
from tongzhou_care.core.models import BackgroundJob, Insurer, Role

pytestmark = pytest.mark.django_db


def test_evaluation_page_by_role(year, world, client_for, commission_staff, insurer_user, finance, officer_a):  # noqa: F811
    url = f"/evaluation/{year.pk}/"
    for user in (commission_staff, insurer_user, finance):
        response = client_for(user).get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert 'data-testid="evaluation-grade"' in text and "按时支付率" in text
    # An officer sees no scheme year: 404, as for any row not theirs; another insurer too.
    assert client_for(officer_a).get(url).status_code == 404
    other = make_user(Role.INSURER_STAFF, insurer=Insurer.objects.create(name="他保险公司", hotline="95511"))
    assert client_for(other).get(url).status_code == 404
    assert client_for(officer_a).get("/evaluation/").status_code == 403


def test_evaluation_printout_and_workbook(year, world, client_for, commission_staff):  # noqa: F811
    client = client_for(commission_staff)
    pdf = body_text(client.get(f"/evaluation/{year.pk}/evaluation.pdf"))
    for words in ("承保公司绩效评估表", "按时受理率", "评估总分", "不合格", "承保机构（盖章）", "负责人签字"):
        assert words in pdf.replace(" ", ""), words
    response = client.get(f"/evaluation/{year.pk}/evaluation.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["评估汇总", "评估指标", "服务时限"]
    indicators = [row for row in workbook["评估指标"].iter_rows(values_only=True)]
    assert indicators[0][0] == "指标" and {r[0] for r in indicators[1:]} >= {"按时支付率", "赔付率", "满意度（总体满意度均分）"}


def test_claims_behind_an_indicator(year, world, client_for, commission_staff, officer_a):  # noqa: F811
    text = client_for(commission_staff).get(f"/evaluation/{year.pk}/claims/?indicator=pay").content.decode()
    assert world["c2"].number in text and world["c1"].number not in text
    assert client_for(commission_staff).get(f"/evaluation/{year.pk}/claims/?indicator=nonsense").status_code == 404


def test_adjustment_pages_by_role(year, world, client_for, commission_staff, finance, insurer_user, officer_a):  # noqa: F811
    for user in (commission_staff, finance):
        text = client_for(user).get("/adjustment/").content.decode()
        assert year.name in text and "赔付率" in text
        page = client_for(user).get(f"/adjustment/{year.pk}/").content.decode()
        # 5,100 of covered days' cost over 3 person-years / 0.85 = 2,000.00 (tests/oversight/test_figures.py).
        assert "2,000.00" in page and 'data-testid="ceiling-flag"' in page
    for user in (insurer_user, officer_a):
        assert client_for(user).get("/adjustment/").status_code == 403
    assert client_for(insurer_user).get(f"/adjustment/{year.pk}/").status_code == 403
    assert client_for(officer_a).get(f"/adjustment/{year.pk}/").status_code == 404


def test_what_if(year, world, client_for, commission_staff):  # noqa: F811
    page = client_for(commission_staff).get(f"/adjustment/{year.pk}/", {"subsidy": "400", "cap": "4"}).content.decode()
    assert 'data-testid="what-if"' in page and "1,568.63" in page
    refused = client_for(commission_staff).get(f"/adjustment/{year.pk}/", {"subsidy": "200"}).content.decode()
    assert "data-testid=\"what-if\"" not in refused and "300" in refused


def test_scheme_year_weights_are_settings(year, commission_admin):
    from django.core.exceptions import ValidationError

    from enrollment.services import scheme_year_save

    year.weight_satisfaction = 30                # now 110 in all
    with pytest.raises(ValidationError):
        scheme_year_save(scheme_year=year, actor=commission_admin)
    year.weight_loss_ratio = 0
    scheme_year_save(scheme_year=year, actor=commission_admin)
    assert SchemeYear.objects.get(pk=year.pk).weight_satisfaction == 30


def test_annual_report_job(year, world, client_for, commission_staff, officer_a):  # noqa: F811
    client = client_for(commission_staff)
    response = client.post(f"/annual-report/{year.pk}/")
    job = BackgroundJob.objects.get(kind="annual_report")
    assert response.status_code == 302 and job.created_by == commission_staff
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert job.status == "done" and job.progress_done == job.progress_total and job.result_url
    pdf = body_text(client.get(f"/annual-report/result/{job.pk}/report.pdf")).replace(" ", "")
    for words in ("年度评估报告", "一、参保与人数", "二、理赔与资金", "三、服务时限", "四、投诉", "五、满意度调查",
                  "六、巡查与整改", "巡查发现问题", "七、数据核查", "数据核查发现", "八、保险公司绩效评估", "九、下一年度保费建议", "建议保费2,000.00元", "各月在保人数"):
        assert words in pdf, words
    response = client.get(f"/annual-report/result/{job.pk}/report.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames[:3] == ["报告摘要", "各月在保人数", "各街道参保"]
    assert {"赔付情况", "服务时限", "巡查与整改", "数据核查", "绩效评估", "保费建议"} <= set(workbook.sheetnames)
    # Nobody else gets the report: the job is its creator's.
    assert client_for(officer_a).get(f"/annual-report/result/{job.pk}/report.pdf").status_code == 404
    assert client_for(officer_a).post(f"/annual-report/{year.pk}/").status_code == 404


def test_officer_street_figures_equal_a_count_by_hand(year, world, officer_a):  # noqa: F811
    """The officer's figures are their street's alone (issue 10 point 6), counted here from the
    street's own rows."""
    from claims.models import Claim
    from oversight.selectors.figures import year_figures

    f = year_figures(officer_a, year, today=date(2025, 12, 31))
    mine = Claim.objects.filter(street=officer_a.street)
    assert f.claims_reported == mine.count()
    assert f.paid_amount == sum((c.amount for c in mine.filter(status="paid")), D("0"))
