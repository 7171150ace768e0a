"""The insurer's payment file: upload → every row checked and shown with the total; confirm →
all payments recorded at once."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.uploads import request_too_large, upload_on_disk

from .. import services
from ..forms import PaymentFileForm
from ..selectors import payment_batch_for_user_or_404


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
    # A batch checked in the background is shown here when its job is done (?batch=<id>).
    batch = payment_batch_for_user_or_404(request.user, request.GET["batch"]) if "batch" in request.GET else None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > settings.PAYMENT_BACKGROUND_BYTES:
            try:
                job = services.payment_batch_queue(chunks=uploaded.chunks(), file_name=uploaded.name,
                                                   actor=request.user)
            except RuleViolation as violation:
                form.add_error("file", violation.message)
                return _payment_import_page(request, form, None, status=429)
            return redirect("job_detail", job_id=job.pk)
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

