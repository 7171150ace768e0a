"""The claim page: what happened, what the workflow table lets this user do now (buttons) and
what must happen first (hints), every action's form, documents and printouts."""

import string

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongzhou_care.core.downloads import PDF, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.money import format_yuan
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.uploads import DOCUMENT_EXTENSIONS, DOCUMENT_MAX_BYTES, request_too_large
from tongzhou_care.core.xlsx import open_temp

from .. import services
from ..exports import write_claim_pdf
from ..forms import (
    DOCUMENT_ACCEPT,
    DOCUMENT_HELP,
    DOCUMENTS_PER_UPLOAD,
    DocumentsForm,
    PayeeForm,
    PaymentForm,
    ReasonForm,
)
from ..rules import DOCUMENT_KINDS, REFUSAL_CODES
from ..selectors import claim_deadline, claim_for_user_or_404, read_claim
from ..workflow import CLAIM_WORKFLOW, PRINTOUTS, printouts, supplement_words


@require_GET
@login_required
def claim_detail(request, claim_id):
    return _claim_page(request, claim_for_user_or_404(request.user, claim_id))


def _form(action, claim, reading, data=None, files=None):
    """The form of a workflow action for this claim, unbound or bound to what was sent."""
    form_class = CLAIM_WORKFLOW[action].form
    if form_class is DocumentsForm:
        return DocumentsForm(data, files, missing=reading.missing)
    if form_class is PayeeForm:
        return PayeeForm(data, account_tail=claim.payee_account[-4:], initial={
            "payee_name": claim.payee_name, "payee_relation": claim.payee_relation or "本人",
            "payee_bank": claim.payee_bank})
    if form_class is PaymentForm:
        return PaymentForm(data, initial={"amount": reading.entitled, "paid_on": timezone.localdate()})
    if form_class is ReasonForm:
        return ReasonForm(data, auto_id=f"id_{action}_%s")
    if action == "discharge":
        # A discharge is mostly recorded on the day, at the bedside.
        return form_class(data, initial={"version": claim.version, "discharged_on": timezone.localdate()})
    return form_class(data, files) if form_class else None


class _Keep(dict):
    """str.format_map that leaves unknown placeholders for the page's script ({typed})."""

    def __missing__(self, key):
        return "{" + key + "}"


def _confirmations(claim, reading) -> dict[str, str]:
    """Each action's confirmation question with this claim's figures filled in."""
    values = _Keep(payee=claim.payee_name, account_tail=claim.payee_account[-4:])
    if reading.preview is not None:
        values.update(days=reading.preview.days_payable, amount=format_yuan(reading.preview.amount))
    if reading.difference:
        values["difference"] = supplement_words(reading.difference)
    elif claim.status == "paid":
        open_total = sum(s.amount_difference for s in claim.supplements.filter(settled_at__isnull=True))
        values["difference"] = supplement_words(open_total) if open_total else ""
    return {a.name: string.Formatter().vformat(a.confirm, (), values) for a in CLAIM_WORKFLOW if a.confirm}


# Actions whose forms sit with what they change (the stay, the payee, the documents); the rest
# are buttons in the 办理 panel, coloured by what they do.
INLINE_ACTIONS = frozenset({"upload", "payee", "discharge"})
BUTTON_STYLES = {"accept": "primary", "decide": "primary", "pay": "success", "supplement": "warning",
                 "settle_supplement": "success", "refuse": "danger", "uphold": "danger", "withdraw": "secondary",
                 "notice_sent": "secondary"}


def _claim_page(request, claim, *, bound: tuple[str, object] | None = None):
    """The claim page; `bound` = (action, form) re-shows a refused action's form as the user
    filled it, with its errors beside the fields, and answers 400."""
    today = timezone.localdate()
    reading = read_claim(claim, today=today)
    actions = CLAIM_WORKFLOW.available(request.user, reading.facts)
    forms = {name: _form(name, claim, reading) for name, action in actions.items() if action.form}
    if bound:
        forms[bound[0]] = bound[1]
    supplements = list(claim.supplements.select_related("decided_by", "settled_by"))
    confirm = _confirmations(claim, reading)
    panel = [{"name": name, "action": action, "form": forms.get(name), "confirm": confirm.get(name, ""),
              "style": BUTTON_STYLES.get(name, "primary")}
             for name, action in actions.items() if name not in INLINE_ACTIONS]
    return render(request, "claims/claim_detail.html", {
        "claim": claim, "actions": actions, "hints": CLAIM_WORKFLOW.blocked(request.user, reading.facts),
        "panel": panel, "reading": reading,
        "required": [(k, DOCUMENT_KINDS[k], k not in reading.missing) for k in reading.required],
        "missing": reading.missing, "documents": claim.documents.select_related("uploaded_by"),
        "timeline": claim.actions.select_related("actor"),
        "portions": claim.portions.select_related("policy__scheme_year"), "supplements": supplements,
        "deadline": claim_deadline(claim, today), "preview": reading.preview,
        "refusal_label": REFUSAL_CODES.get(claim.refusal_code, ""), "forms": forms,
        "printouts": printouts(reading.facts, supplements=len(supplements)),
        "show_diagnosis": request.user.has_perm("claims.view_diagnosis"),
        "upload_limit": DOCUMENTS_PER_UPLOAD, "upload_help": DOCUMENT_HELP, "upload_accept": DOCUMENT_ACCEPT,
        "upload_max_bytes": DOCUMENT_MAX_BYTES,
    }, status=400 if bound else 200)


# The field of the action's form a service's refusal is about.
VIOLATION_FIELDS = {"amount": "amount", "paid_on": "paid_on", "reference": "bank_reference",
                    "discharged_future": "discharged_on", "discharge_before_admission": "discharged_on",
                    "overlap": "discharged_on", "refusal_code": "code", "explanation": "explanation",
                    "reason": "reason", "payee_missing": "payee_account", "payee_not_insured": "payee_name",
                    "payee_heir": "payee_id_number", "payee_deceased_account": "payee_account",
                    "settled_on": "settled_on", "stale": "discharged_on"}


def _refused(request, claim, action: str, form, violation: RuleViolation):
    """Put a service's refusal beside the field it is about (or above the form) and re-show the
    form with what the user typed."""
    field = VIOLATION_FIELDS.get(violation.code)
    if field is None and violation.code.startswith("id_"):
        field = "payee_id_number"         # the heir's ID number did not parse
    form.add_error(field if field in form.fields else None, violation.message)
    return _claim_page(request, claim, bound=(action, form))


def _done(action: str, claim, result) -> str:
    """The message after an action: what happened and who acts next."""
    text = CLAIM_WORKFLOW[action].done
    if action == "upload":
        reading = read_claim(claim)
        text = f"已上传 {len(result)} 个文件。"
        if reading.missing:
            text += "还缺：" + "、".join(DOCUMENT_KINDS[k] for k in reading.missing) + "。"
        elif claim.status in ("reported", "documents_pending"):
            due = f"，应于 {claim.due_on:%Y年%-m月%-d日} 前" if claim.due_on else ""
            text += f"材料已齐全，下一步由保险公司受理{due}。"
    elif action == "decide":
        text = f"已核定 {claim.days_payable} 天，金额 {format_yuan(claim.amount)} 元。下一步由保险公司支付。"
    elif action == "supplement":
        text = f"已补充核定 {result.number}：{supplement_words(result.amount_difference)}。"
    return text


@require_POST
@login_required
def claim_act(request, claim_id, action):
    """Carry out one action of the workflow table through its service."""
    claim = claim_for_user_or_404(request.user, claim_id)
    step = CLAIM_WORKFLOW[action]
    if not request.user.has_perm(step.permission):
        raise PermissionDenied(f"您没有“{step.label}”的权限。")
    if action == "upload" and request_too_large(request, DOCUMENTS_PER_UPLOAD * DOCUMENT_MAX_BYTES):
        messages.error(request, f"一次上传的文件合计过大，请每次不超过 {DOCUMENTS_PER_UPLOAD} 个文件、每个不超过 "
                                f"{DOCUMENT_MAX_BYTES // 2**20} MB。")
        return redirect("claims:claim_detail", claim_id=claim.pk)
    arguments = {}
    form = None
    if step.form is not None:
        form = _form(action, claim, read_claim(claim), request.POST, request.FILES)
        if not form.is_valid():
            return _claim_page(request, claim, bound=(action, form))
        arguments = form.arguments() if hasattr(form, "arguments") else form.cleaned_data
    try:
        result = getattr(services, step.service)(claim_id=claim.pk, actor=request.user, **arguments)
    except RuleViolation as violation:
        if form is not None:
            return _refused(request, claim, action, form, violation)
        messages.error(request, violation.message)
    else:
        claim.refresh_from_db()
        messages.success(request, _done(action, claim, result))
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
    extension = DOCUMENT_EXTENSIONS.get(document.content_type, ".pdf")
    return file_download(document.file.open("rb"), f"{claim.number}_{document.get_kind_display()}{extension}",
                         document.content_type, as_attachment=False)


@require_GET
@login_required
def claim_printout(request, claim_id, kind):
    claim = claim_for_user_or_404(request.user, claim_id)
    reading = read_claim(claim)
    supplements = list(claim.supplements.select_related("decided_by"))
    available = printouts(reading.facts, supplements=len(supplements))
    if kind not in available:
        messages.error(request, f"该理赔当前为“{claim.get_status_display()}”，没有{PRINTOUTS[kind].label}。")
        return redirect("claims:claim_detail", claim_id=claim.pk)
    out = open_temp()
    write_claim_pdf(out, kind, claim, missing=reading.missing,
                    portions=list(claim.portions.select_related("policy__scheme_year")), supplements=supplements,
                    show_diagnosis=request.user.has_perm("claims.view_diagnosis"))
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD,
                      target=f"{available[kind].label} {claim.number}")
    return file_download(out, dated_name(f"{available[kind].label}_{claim.number}", "pdf"), PDF)
