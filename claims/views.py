"""Claims pages: list, report, the claim page with its actions, documents, printouts,
payments, overdue lists."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enrollment.rules import parse_id_number
from enrollment.selectors import person_for_user_or_404, person_search, persons_visible_to
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.downloads import PDF, XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.search import resolved_query
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.uploads import request_too_large, upload_on_disk
from tongzhou_care.core.xlsx import open_temp

from . import services
from .exports import CLAIM_LIST_VALUES, write_claim_list, write_claim_pdf
from .forms import (
    ClaimReportForm,
    DischargeForm,
    DocumentForm,
    PaymentFileForm,
    PaymentForm,
    PersonLookupForm,
    ReasonForm,
    RefuseForm,
)
from .models import ClaimStatus
from .rules import DOCUMENT_KINDS, REFUSAL_CODES, earliest_timely_discharge
from .selectors import (
    claim_deadline,
    claim_for_user_or_404,
    claim_list_page_source,
    claim_search,
    current_claim_settings,
    decision_preview,
    overdue_claims,
    payment_batch_for_user_or_404,
    person_cover_summary,
)
from .workflow import allowed_actions, may_record_discharge, may_upload


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def claim_list(request):
    filters = _claim_filters(request)
    claims = claim_list_page_source(request.user, **filters)
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "claims/claim_list.html", {
        "page": page, "query": query.urlencode(), "statuses": ClaimStatus.choices,
        "streets": streets_of(request.user) if not request.user.insurer_id else None,
        "filters": resolved_query(request)})


def _claim_filters(request) -> dict:
    """The claims list's filters from the URL (shared by the page and its export); what does
    not parse is ignored rather than refused, as in any search box."""
    data = resolved_query(request)

    def day(name):
        try:
            return date.fromisoformat(data.get(name, ""))
        except ValueError:
            return None

    return {"text": data.get("q", ""),
            "status": data.get("status", "") if data.get("status") in ClaimStatus.values else "",
            "street_id": data.get("street") if data.get("street", "").isdigit() else None,
            "since": day("since"), "until": day("until")}


@require_GET
@login_required
@permission_required("claims.export_claims", raise_exception=True)
def claim_export(request):
    """The claims list with its filters as Excel, scoped like the page, logged (S14)."""
    filters = _claim_filters(request)
    out = open_temp()
    count = write_claim_list(out, claim_search(request.user, **filters).values_list(*CLAIM_LIST_VALUES)
                             .iterator(chunk_size=2000))
    described = "，".join(f"{label}：{value}" for label, value in (
        ("查询", filters["text"]), ("状态", ClaimStatus(filters["status"]).label if filters["status"] else ""),
        ("街道/乡镇", streets_of(request.user).filter(pk=filters["street_id"]).first() if filters["street_id"] else ""),
        ("报案日期自", filters["since"] or ""), ("报案日期至", filters["until"] or "")) if value) or "全部"
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT, target="理赔清单", detail=described,
                      rows=count)
    return file_download(out, dated_name("理赔清单", "xlsx"), XLSX)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.report_claim", raise_exception=True)
def claim_report_person(request):
    """Step 1 of a report: find the person (a full ID number only by POST, S12)."""
    form = PersonLookupForm(request.POST or None)
    persons = None
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["q"].strip()
        if len(text) == 18:
            try:
                number = parse_id_number(text, today=timezone.localdate()).value
                persons = persons_visible_to(request.user).filter(id_number=number)
            except RuleViolation as violation:
                form.add_error("q", violation.message)
        else:
            persons = person_search(request.user, text=text)[:30]
    return render(request, "claims/report_person.html", {"form": form, "persons": persons})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.report_claim", raise_exception=True)
def claim_report(request, person_id):
    person = person_for_user_or_404(request.user, person_id)
    form = ClaimReportForm(request.POST or None, account_tail=person.bank_account[-4:], initial={
        "payee_name": person.name, "payee_bank": person.bank_name,
        "reporter_relation": "专管员" if request.user.street_id else "本人",
        "reporter_name": str(request.user) if request.user.street_id else ""})
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_report(person=person, data=form.cleaned_data, actor=request.user)
        except RuleViolation as violation:
            field = {"not_inpatient": "admission_type", "admitted_future": "admitted_on",
                     "discharged_future": "discharged_on", "discharge_before_admission": "discharged_on",
                     "overlap": "admitted_on"}.get(violation.code)
            form.add_error(field, violation.message)
        else:
            messages.success(request, f"已报案，理赔编号 {claim.number}。请上传材料；"
                             + ("本次报案已超过出院后报案期限，仍可受理。" if claim.late_report else ""))
            return redirect("claims:claim_detail", claim_id=claim.pk)
    today = timezone.localdate()
    deadline_days = current_claim_settings(today).report_deadline_days
    return render(request, "claims/report_form.html", {
        "person": person, "form": form, "covers": person_cover_summary(request.user, person),
        "report_deadline_days": deadline_days,
        "late_before": earliest_timely_discharge(reported_on=today, deadline_days=deadline_days),
    }, status=400 if form.errors else 200)


@require_GET
@login_required
def claim_detail(request, claim_id):
    return _claim_page(request, claim_for_user_or_404(request.user, claim_id))


def _action_forms(claim, today) -> dict:
    """The claim page's forms, one per action, unbound; each reason box has its own id."""
    return {"document": DocumentForm(), "refuse": RefuseForm(),
            **{action: ReasonForm(auto_id=f"id_{action}_%s") for action in ("appeal", "overturn", "withdraw")},
            "discharge": DischargeForm(initial={"version": claim.version}),
            "pay": PaymentForm(initial={"amount": claim.amount, "paid_on": today})}


def _claim_page(request, claim, *, bound: tuple[str, object] | None = None):
    """The claim page; `bound` = (action, form) re-shows a refused action's form as the user
    filled it, with its errors beside the fields, and answers 400."""
    today = timezone.localdate()
    required, missing = services.documents_status(claim)
    forms = _action_forms(claim, today)
    if bound:
        forms[bound[0]] = bound[1]
    return render(request, "claims/claim_detail.html", {
        "claim": claim, "actions": dict(allowed_actions(request.user, claim)),
        "required": [(k, DOCUMENT_KINDS[k], k not in missing) for k in required], "missing": missing,
        "documents": claim.documents.select_related("uploaded_by"),
        "timeline": claim.actions.select_related("actor"),
        "portions": claim.portions.select_related("policy__scheme_year"),
        "deadline": claim_deadline(claim, today),
        "preview": decision_preview(claim), "refusal_label": REFUSAL_CODES.get(claim.refusal_code, ""),
        "forms": forms,
        "can_upload": may_upload(request.user, claim),
        "can_record_discharge": may_record_discharge(request.user, claim),
        "show_diagnosis": request.user.has_perm("claims.view_diagnosis"),
    }, status=400 if bound else 200)


def _refused(request, claim, action: str, form, violation: RuleViolation):
    """Put a service's refusal beside the field it is about (or above the page) and re-show
    the form with what the user typed."""
    field = VIOLATION_FIELDS.get(violation.code)
    if field in form.fields:
        form.add_error(field, violation.message)
    else:
        messages.error(request, violation.message)
    return _claim_page(request, claim, bound=(action, form))


ACTIONS = {
    # action: (form class or None, service call)
    "request_documents": (None, lambda c, u, d: services.claim_request_documents(claim_id=c.pk, actor=u)),
    "accept": (None, lambda c, u, d: services.claim_accept(claim_id=c.pk, actor=u)),
    "decide": (None, lambda c, u, d: services.claim_decide(claim_id=c.pk, actor=u)),
    "refuse": (RefuseForm, lambda c, u, d: services.claim_refuse(
        claim_id=c.pk, code=d["code"], explanation=d["explanation"], actor=u)),
    "uphold": (RefuseForm, lambda c, u, d: services.claim_refuse(
        claim_id=c.pk, code=d["code"], explanation=d["explanation"], actor=u)),
    "appeal": (ReasonForm, lambda c, u, d: services.claim_appeal(claim_id=c.pk, reason=d["reason"], actor=u)),
    "overturn": (ReasonForm, lambda c, u, d: services.claim_overturn(claim_id=c.pk, note=d["reason"], actor=u)),
    "withdraw": (ReasonForm, lambda c, u, d: services.claim_withdraw(claim_id=c.pk, reason=d["reason"], actor=u)),
    "pay": (PaymentForm, lambda c, u, d: services.payment_record(
        claim_id=c.pk, paid_on=d["paid_on"], amount=d["amount"], bank_reference=d["bank_reference"], actor=u)),
    "notice_sent": (None, lambda c, u, d: services.claim_mark_notice_sent(claim_id=c.pk, actor=u)),
    "discharge": (DischargeForm, lambda c, u, d: services.claim_update_stay(
        claim_id=c.pk, version=d["version"], discharged_on=d["discharged_on"], actor=u)),
}
DONE = {"request_documents": "已一次性告知需补充的材料。", "accept": "已受理。", "decide": "已核定。",
        "refuse": "已拒赔，请在时限内送达拒赔通知书。", "uphold": "复核维持拒赔。", "appeal": "已申请复核。",
        "overturn": "复核改判，理赔已重新受理。", "withdraw": "已撤案。", "pay": "已登记支付。",
        "notice_sent": "已记录拒赔通知送达。", "discharge": "已录入出院日期。"}
# Actions outside the workflow table and the permission each needs.
EXTRA_PERMISSIONS = {"notice_sent": "claims.decide_claim", "discharge": "claims.report_claim"}
# The field of the action's form a service's refusal is about.
VIOLATION_FIELDS = {"amount": "amount", "paid_on": "paid_on", "reference": "bank_reference",
                    "discharged_future": "discharged_on", "discharge_before_admission": "discharged_on",
                    "overlap": "discharged_on", "refusal_code": "code", "explanation": "explanation",
                    "reason": "reason", "file_type": "file", "too_large": "file", "empty": "file"}


@require_POST
@login_required
def claim_act(request, claim_id, action):
    claim = claim_for_user_or_404(request.user, claim_id)
    from .workflow import TRANSITIONS
    permission = TRANSITIONS[action].permission if action in TRANSITIONS else EXTRA_PERMISSIONS[action]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    form_class, call = ACTIONS[action]
    form_key = "refuse" if action == "uphold" else action
    form = None
    if form_class:
        form = form_class(request.POST, **({"auto_id": f"id_{action}_%s"} if form_class is ReasonForm else {}))
        if not form.is_valid():
            return _claim_page(request, claim, bound=(form_key, form))
    try:
        call(claim, request.user, form.cleaned_data if form else {})
    except RuleViolation as violation:
        if form is not None:
            return _refused(request, claim, form_key, form, violation)
        messages.error(request, violation.message)
    else:
        messages.success(request, DONE[action])
    return redirect("claims:claim_detail", claim_id=claim.pk)


@require_POST
@login_required
@permission_required("claims.upload_claim_document", raise_exception=True)
def document_upload(request, claim_id):
    claim = claim_for_user_or_404(request.user, claim_id)
    if request_too_large(request, services.DOCUMENT_MAX_BYTES):
        messages.error(request, f"文件超过 {services.DOCUMENT_MAX_BYTES // (1024 * 1024)} MB，请压缩或分页拍照后上传。")
        return redirect("claims:claim_detail", claim_id=claim.pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _claim_page(request, claim, bound=("document", form))
    try:
        services.claim_upload_document(claim_id=claim.pk, kind=form.cleaned_data["kind"],
                                       uploaded=form.cleaned_data["file"], actor=request.user)
    except RuleViolation as violation:
        return _refused(request, claim, "document", form, violation)
    messages.success(request, "材料已上传。")
    return redirect("claims:claim_detail", claim_id=claim.pk)


@require_GET
@login_required
def document_download(request, claim_id, document_id):
    """A document is served only through its claim's scope, never from a public URL."""
    claim = claim_for_user_or_404(request.user, claim_id)
    document = claim.documents.filter(pk=document_id).first()
    if document is None:
        raise Http404
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"理赔材料 {claim.number} {document.get_kind_display()}")
    extension = {"image/jpeg": ".jpg", "image/png": ".png"}.get(document.content_type, ".pdf")
    return file_download(document.file.open("rb"), f"{claim.number}_{document.get_kind_display()}{extension}",
                         document.content_type, as_attachment=False)


PRINTOUTS = {"notice": "一次性告知书", "application": "理赔申请书", "decision": "核定通知书", "refusal": "拒赔通知书"}


@require_GET
@login_required
def claim_printout(request, claim_id, kind):
    claim = claim_for_user_or_404(request.user, claim_id)
    if (kind == "decision" and claim.status not in (ClaimStatus.DECIDED, ClaimStatus.PAID)) or (
            kind == "refusal" and claim.status != ClaimStatus.REFUSED):
        messages.error(request, f"该理赔当前为“{claim.get_status_display()}”，没有{PRINTOUTS[kind]}。")
        return redirect("claims:claim_detail", claim_id=claim.pk)
    out = open_temp()
    write_claim_pdf(out, kind, claim, missing=services.documents_status(claim)[1],
                    portions=list(claim.portions.select_related("policy__scheme_year")),
                    show_diagnosis=request.user.has_perm("claims.view_diagnosis"))
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"{PRINTOUTS[kind]} {claim.number}")
    return file_download(out, dated_name(f"{PRINTOUTS[kind]}_{claim.number}", "pdf"), PDF)


@require_GET
@login_required
@permission_required("claims.view_claim", raise_exception=True)
def overdue_list(request):
    """Claims past the insurer's deadline, counted by insurer and by street, then listed."""
    today = timezone.localdate()
    overdue = overdue_claims(request.user, today)
    by_insurer = overdue.order_by().values("insurer__name").annotate(n=Count("pk")).order_by("-n")
    by_street = overdue.order_by().values("street__name").annotate(n=Count("pk")).order_by("-n")
    page = Paginator(overdue.select_related("person", "street"), 50).get_page(request.GET.get("page"))
    return render(request, "claims/overdue.html", {
        "page": page, "rows": [(c, claim_deadline(c, today)) for c in page.object_list],
        "by_insurer": [(r["insurer__name"], r["n"]) for r in by_insurer],
        "by_street": [(r["street__name"], r["n"]) for r in by_street]})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("claims.pay_claim", raise_exception=True)
def payment_import(request):
    """The insurer's payment file in two steps: upload → every row checked and shown with the
    total; confirm → all payments recorded at once (checked again), or none."""
    from enrollment.roster_files import LIMITS, RosterFileError

    if request.method == "POST" and request_too_large(request, LIMITS.max_bytes):
        messages.error(request, f"文件超过 {LIMITS.max_bytes // (1024 * 1024)} MB 的上限。")
        return redirect("claims:payment_import")
    if request.method == "POST" and "batch" in request.POST:
        return _payment_batch_confirm(request)
    form = PaymentFileForm(request.POST or None, request.FILES or None)
    batch = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            with upload_on_disk(uploaded) as path:
                batch = services.payment_batch_check(path=path, file_name=uploaded.name, actor=request.user)
        except RosterFileError as error:
            form.add_error("file", error.message)
        else:
            access_log_record(actor=request.user, action=AccessLog.Action.IMPORT, target=f"支付明细 {uploaded.name}",
                              rows=batch.rows, detail="核对")
    return _payment_import_page(request, form, batch)


def _payment_import_page(request, form, batch, status=200):
    report = batch.report if batch else None
    to_record = [r for r in report or [] if r["result"] == "ok"]
    return render(request, "claims/payment_import.html", {
        "form": form, "batch": batch, "report": report,
        "errors": sum(1 for r in report or [] if r["result"] == "error"),
        "to_record": len(to_record), "total": sum((Decimal(r["amount"]) for r in to_record), Decimal("0.00")),
    }, status=status)


def _payment_batch_confirm(request):
    """Apply a batch the same user checked; a second confirmation records nothing more."""
    batch = payment_batch_for_user_or_404(request.user, request.POST.get("batch", "").strip())
    try:
        batch = services.payment_batch_apply(batch_id=batch.pk, actor=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
        return _payment_import_page(request, PaymentFileForm(), None, status=400)
    access_log_record(actor=request.user, action=AccessLog.Action.IMPORT, target=f"支付明细 {batch.file_name}",
                      rows=batch.rows, detail="已登记")
    messages.success(request, f"已登记 {batch.recorded} 笔支付；此前已登记 {batch.already} 笔，未重复登记。")
    return _payment_import_page(request, PaymentFileForm(), batch)

