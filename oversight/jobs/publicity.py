"""The publicity batch (core/jobs.py runs it): a street's publicity notices as
one PDF."""

import os

from django.utils import timezone

from tongzhou_care.core.access import streets_of
from tongzhou_care.core.downloads import dated_name
from tongzhou_care.core.jobs import job_runner, pdf_in_parts

from ..exports.publicity import render_notices

# Notices per WeasyPrint document and documents rendered at once, as for certificates.
NOTICES_PER_PART = int(os.environ.get("NOTICES_PER_PART", 500))
RENDER_PROCESSES = int(os.environ.get("CERTIFICATE_RENDER_PROCESSES", os.cpu_count() or 1))


def may_have_publicity_batch(user, params: dict) -> bool:
    return (user.has_perm("oversight.print_publicity")
            and streets_of(user).filter(pk=params["street_id"]).exists())


@job_runner("publicity_batch", may_download=may_have_publicity_batch)
def publicity_batch(job, progress):
    """The notices of one street for a scheme year (optionally only the families not yet told)
    as one PDF. Resumable: the persons are fixed at the first run."""
    from ..selectors.common import scheme_years_for_oversight
    from ..selectors.publicity import notice_data_of, publicity_policies

    user, params = job.created_by, job.params
    scheme_year = scheme_years_for_oversight().get(pk=params["scheme_year_id"])
    issued_on = timezone.localdate()
    result = pdf_in_parts(
        job, progress,
        ids=lambda: list(publicity_policies(user, scheme_year, street_id=params["street_id"],
                                            pending_only=params.get("pending_only", False))
                         .values_list("pk", flat=True)),
        data_of=lambda part: notice_data_of(part, issued_on=issued_on), render=render_notices,
        per_part=NOTICES_PER_PART, processes=RENDER_PROCESSES,
        empty_message="所选街道/乡镇没有需要告知的参保对象（或均已送达）。")
    return result, dated_name(f"宣传告知书_{scheme_year.name}_{params['street_name']}", "pdf", issued_on)
