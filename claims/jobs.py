"""Background work of the claims app: checking a large payment file of the insurer (core/jobs.py
runs it), so that a few large files never tie up the web server's workers."""

from django.urls import reverse

from tongzhou_care.core.jobs import job_folder, job_runner
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record


@job_runner("payment_check", may_download=lambda user, params: user.has_perm("claims.pay_claim"))
def payment_check(job, progress):
    """Check the uploaded file into a payment batch (the same service as a small file in the
    request); the result is the batch's page, where the user confirms. An unreadable file fails
    the job with the reason; the upload is removed either way."""
    from enrollment.roster_files import RosterFileError

    from .services.payments import PAYMENT_UPLOAD, payment_batch_check

    path = job_folder(job) / PAYMENT_UPLOAD
    if not path.exists():
        raise RuleViolation("gone", "上传的文件已核对并删除，请重新上传支付明细。")

    def report(total, done):
        if done == 0:
            progress.total(max(1, total))
        else:
            progress.done(min(done, max(1, total)))
    try:
        batch = payment_batch_check(path=path, file_name=job.params["file_name"], actor=job.created_by,
                                    progress=report)
    except RosterFileError as error:
        raise RuleViolation("file", error.message) from None
    finally:
        path.unlink(missing_ok=True)
    access_log_record(actor=job.created_by, action=AccessLog.Action.IMPORT, target=f"支付明细 {batch.file_name}",
                      rows=batch.rows, detail="核对（后台）")
    progress.done(max(1, batch.rows))
    return f"{reverse('claims:payment_import')}?batch={batch.pk}"
