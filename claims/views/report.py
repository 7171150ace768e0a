"""Reporting a stay (报案): find the person, then the report form."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from enrollment.models import PersonStatus
from enrollment.selectors import person_for_user_or_404
from enrollment.views.persons import looked_up
from tongzhou_care.core.rules import RuleViolation

from .. import services
from ..forms import ClaimReportForm
from ..rules import SELF, earliest_timely_discharge
from ..selectors import current_claim_settings, person_cover_summary


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.report_claim", raise_exception=True)
def claim_report_person(request):
    """Step 1 of a report: find the person (a full ID number only by POST, S12)."""
    form, persons = looked_up(request)
    return render(request, "claims/report_person.html", {"form": form, "persons": persons})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.report_claim", raise_exception=True)
def claim_report(request, person_id):
    person = person_for_user_or_404(request.user, person_id)
    deceased = person.status == PersonStatus.DECEASED
    form = ClaimReportForm(request.POST or None, account_tail="" if deceased else person.bank_account[-4:], initial={
        "payee_name": "" if deceased else person.name, "payee_bank": "" if deceased else person.bank_name,
        "payee_relation": "" if deceased else SELF, "report_token": uuid.uuid4(),
        "reporter_relation": "专管员" if request.user.street_id else "本人",
        "reporter_name": str(request.user) if request.user.street_id else ""})
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_report(person=person, data=form.cleaned_data, actor=request.user)
        except RuleViolation as violation:
            field = {"not_inpatient": "admission_type", "admitted_future": "admitted_on",
                     "discharged_future": "discharged_on", "discharge_before_admission": "discharged_on",
                     "overlap": "admitted_on", "not_insured": "admitted_on"}.get(violation.code)
            form.add_error(field, violation.message)
        else:
            messages.success(request, "".join(report_message(claim, person)))
            return redirect("claims:claim_detail", claim_id=claim.pk)
    today = timezone.localdate()
    deadline_days = current_claim_settings(today).report_deadline_days
    return render(request, "claims/report_form.html", {
        "person": person, "form": form, "covers": person_cover_summary(request.user, person),
        "deceased": deceased, "report_deadline_days": deadline_days,
        "late_before": earliest_timely_discharge(reported_on=today, deadline_days=deadline_days),
    }, status=400 if form.errors else 200)


def report_message(claim, person) -> list[str]:
    """What the officer is told after reporting: the claim number, whom the money will go to
    (filled from the insured, and said so), and what to do next."""
    sentences = [f"已报案，理赔编号 {claim.number}。"]
    if claim.late_report:
        sentences.append("本次报案已超过出院后报案期限，仍可受理。")
    if person.status == PersonStatus.DECEASED:
        sentences.append("被保险人已身故，请在理赔页面登记继承人为收款人，并上传死亡证明和继承关系证明。")
    elif claim.payee_account and claim.payee_relation == SELF:
        bank = f"{claim.payee_bank}，" if claim.payee_bank else ""
        sentences.append(f"收款人已按参保对象登记信息填写：{claim.payee_name}，{bank}账号尾号 {claim.payee_account[-4:]}。")
    elif not claim.payee_account:
        sentences.append("参保对象没有登记银行账号，请在理赔页面登记收款账号。")
    sentences.append("请上传材料。")
    return sentences
