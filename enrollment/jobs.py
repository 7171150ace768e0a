"""Background work of the enrollment app: certificate batches and the check of large roster
files (core/jobs.py runs them)."""

import json
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from tongzhou_care.core.downloads import dated_name
from tongzhou_care.core.jobs import die_with_parent, job_folder, job_runner, write_atomically
from tongzhou_care.core.pdf import merge_pdfs
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
    folder = job_folder(job)
    user = job.created_by
    scheme_year = scheme_years_visible_to(user).get(pk=job.params["scheme_year_id"])
    issued_on = timezone.localdate()
    scope = job.params.get("street_name") or "全区"
    name = dated_name(f"保险凭证_{scheme_year.name}_{scope}", "pdf", issued_on)
    result = folder / "certificates.pdf"
    if result.exists():      # finished before the worker stopped: nothing left to do
        return result, name
    ids_file = folder / "policies.json"
    if ids_file.exists():
        ids = json.loads(ids_file.read_text())
    else:
        ids = list(certificate_policies(user, scheme_year, job.params.get("street_id"))
                   .values_list("pk", flat=True))
        write_atomically(ids_file, lambda p: p.write_text(json.dumps(ids)))
    if not ids:
        raise RuleViolation("empty", "没有可打印的保险凭证（所选范围内没有有效保单）。")
    size = CERTIFICATES_PER_PART
    parts = [ids[i:i + size] for i in range(0, len(ids), size)]
    paths = [folder / f"part-{n:05d}.pdf" for n in range(len(parts))]
    done = sum(len(part) for part, path in zip(parts, paths) if path.exists())
    progress.total(len(ids), done)
    todo = [(part, path) for part, path in zip(parts, paths) if not path.exists()]
    for count in _render_parts(todo, issued_on):
        done += count
        progress.done(done)
    if len(paths) == 1:
        paths[0].replace(result)
    else:
        write_atomically(result, lambda p: merge_pdfs(paths, p))
        for path in paths:
            path.unlink()
    return result, name


def _certificates_of(part: list[int], issued_on) -> list[dict]:
    order = {pk: i for i, pk in enumerate(part)}
    policies = sorted(Policy.objects.filter(pk__in=part).select_related("person__street", "scheme_year__insurer"),
                      key=lambda p: order[p.pk])
    return certificate_data(policies, issued_on=issued_on)


def _render_part(path, certificates) -> None:
    write_atomically(path, lambda p: render_certificates(p, certificates))


def _render_parts(todo, issued_on):
    """Render the parts, RENDER_PROCESSES at a time (WeasyPrint uses one core per document);
    yield the number of certificates of each part as it is written. The parent reads the
    database; the children only render, from plain data."""
    processes = min(RENDER_PROCESSES, len(todo))
    # Inside a transaction (a test running the job in-process) the connection cannot be closed
    # for forking: render here.
    if processes <= 1 or connection.in_atomic_block:
        for part, path in todo:
            _render_part(path, _certificates_of(part, issued_on))
            yield len(part)
        return
    # Children are forked: close the database connection first, or a child exiting would
    # close the parent's socket too.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=die_with_parent) as pool:
        pending = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < processes:
                part, path = queue.pop(0)
                pending[pool.submit(_render_part, path, _certificates_of(part, issued_on))] = len(part)
                connections.close_all()
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
                yield pending.pop(future)


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
