"""Background work of the enrollment app: certificate batches (core/jobs.py runs them)."""

import json
import os

from django.utils import timezone

from tongzhou_care.core.jobs import job_folder, job_runner, write_atomically
from tongzhou_care.core.pdf import merge_pdfs
from tongzhou_care.core.rules import RuleViolation

from .exports import write_certificates
from .models import Policy, SchemeYear
from .selectors import certificate_policies

# Certificates rendered per WeasyPrint document: memory stays bounded however large the
# batch, and a restarted job redoes at most one part.
CERTIFICATES_PER_PART = int(os.environ.get("CERTIFICATES_PER_PART", 500))


@job_runner("certificate_batch")
def certificate_batch(job, progress):
    """All certificates of a scheme year, or of one street, as one PDF. Resumable: the list of
    policies is fixed at the first run, parts already rendered are kept."""
    folder = job_folder(job)
    user = job.created_by
    scheme_year = SchemeYear.objects.select_related("insurer").get(pk=job.params["scheme_year_id"])
    issued_on = timezone.localdate()
    scope = job.params.get("street_name") or "全区"
    name = f"保险凭证_{scheme_year.name}_{scope}_{issued_on:%Y-%m-%d}.pdf"
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
    for part, path in zip(parts, paths):
        if path.exists():
            continue
        order = {pk: i for i, pk in enumerate(part)}
        policies = sorted(Policy.objects.filter(pk__in=part)
                          .select_related("person__street", "scheme_year__insurer"),
                          key=lambda p: order[p.pk])
        write_atomically(path, lambda p: write_certificates(p, policies, issued_on=issued_on))
        done += len(part)
        progress.done(done)
    if len(paths) == 1:
        paths[0].replace(result)
    else:
        write_atomically(result, lambda p: merge_pdfs(paths, p))
        for path in paths:
            path.unlink()
    return result, name
