"""Background work of the enrollment app: certificate batches and the check of large roster
files (core/jobs.py runs them)."""

import os

from django.urls import reverse
from django.utils import timezone

from tongzhou_care.core.downloads import dated_name
from tongzhou_care.core.jobs import job_folder, job_runner, pdf_in_parts
from tongzhou_care.core.rules import RuleViolation

from .exports import certificate_data, render_certificates
from .models import Policy
from .roster_files import RosterFileError
from .selectors import certificate_policies, scheme_years_visible_to
from .services import roster_import_apply, roster_import_preview
from .services.roster import ROSTER_UPLOAD

# Certificates rendered per WeasyPrint document: memory stays bounded however large the
# batch, and a restarted job redoes at most one part.
CERTIFICATES_PER_PART = int(os.environ.get("CERTIFICATES_PER_PART", 500))
# Parts rendered at once (processes); on a dedicated worker machine, its number of cores.
RENDER_PROCESSES = int(os.environ.get("CERTIFICATE_RENDER_PROCESSES", os.cpu_count() or 1))


def _may_download_certificates(user, params: dict) -> bool:
    return (user.has_perm("enrollment.issue_policies")
            and scheme_years_visible_to(user).filter(pk=params["scheme_year_id"]).exists())


@job_runner("certificate_batch", may_download=_may_download_certificates)
def certificate_batch(job, progress):
    """All certificates of a scheme year, or of one street, as one PDF. Resumable: the list of
    policies is fixed at the first run, parts already rendered are kept."""
    user = job.created_by
    scheme_year = scheme_years_visible_to(user).get(pk=job.params["scheme_year_id"])
    issued_on = timezone.localdate()
    scope = job.params.get("street_name") or "全区"
    result = pdf_in_parts(
        job, progress,
        ids=lambda: list(certificate_policies(user, scheme_year, job.params.get("street_id"))
                         .values_list("pk", flat=True)),
        data_of=lambda part: _certificates_of(part, issued_on), render=render_certificates,
        per_part=CERTIFICATES_PER_PART, processes=RENDER_PROCESSES,
        empty_message="没有可打印的保险凭证（所选范围内没有有效保单）。")
    return result, dated_name(f"保险凭证_{scheme_year.name}_{scope}", "pdf", issued_on)


def _certificates_of(part: list[int], issued_on) -> list[dict]:
    order = {pk: i for i, pk in enumerate(part)}
    policies = sorted(Policy.objects.filter(pk__in=part).select_related("person__street", "scheme_year__insurer"),
                      key=lambda p: order[p.pk])
    return certificate_data(policies, issued_on=issued_on)


@job_runner("roster_preview", may_download=lambda user, params: user.has_perm("enrollment.import_roster"))
def roster_preview(job, progress):
    """Check a large roster file into a preview (the same service as a small file in the
    request); the result is the preview page. A file that cannot be read safely fails the job
    with the reason, and the job's folder, upload included, is removed."""
    path = job_folder(job) / ROSTER_UPLOAD
    if not path.exists():
        # A worker stopped between checking the file and finishing the job: the preview exists.
        raise RuleViolation("gone", "上传的文件已核对并删除，请在“花名册导入”中查看核对结果，或重新上传。")
    progress.total(1)
    try:
        roster_import = roster_import_preview(path=path, file_name=job.params["file_name"],
                                              roster_year=job.params["roster_year"], actor=job.created_by)
    except RosterFileError as error:
        raise RuleViolation("file", error.message) from None
    path.unlink(missing_ok=True)
    progress.done(1)
    return reverse("enrollment:roster_import_detail", kwargs={"import_id": roster_import.pk})


@job_runner("roster_apply", may_download=lambda user, params: user.has_perm("enrollment.import_roster"))
def roster_apply(job, progress):
    """Apply a large previewed import (the same all-or-nothing service as the page); progress is
    shown while its one transaction runs. The result is the import's page."""
    from datetime import date

    from .models import RosterImport
    from .selectors import roster_import_for_user_or_404
    from .services import roster_apply_count

    params = job.params
    ri = roster_import_for_user_or_404(job.created_by, params["import_id"])
    progress.total(max(1, roster_apply_count(ri, set(params["kinds"]))))
    ri = roster_import_apply(
        roster_import_id=ri.pk, actor=job.created_by, kinds=set(params["kinds"]),
        skip_errors=params["skip_errors"], removal_reason=params["removal_reason"],
        removal_date=date.fromisoformat(params["removal_date"]) if params["removal_date"] else None,
        progress=progress.note)
    progress.done(max(1, roster_apply_count(ri, set(params["kinds"]))))
    assert ri.status == RosterImport.Status.APPLIED
    return reverse("enrollment:roster_import_detail", kwargs={"import_id": ri.pk})
