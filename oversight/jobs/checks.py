"""The data checks as a background job: on demand (commission staff) and every night (the job
queue's periodic schedule, core/jobs.py)."""

from datetime import time

from django.conf import settings
from django.urls import reverse

from tongzhou_care.core.jobs import job_runner, periodic_job

from ..models.checks import CheckRun
from ..services.checks import JOB_KIND, checks_run


@job_runner(JOB_KIND, may_download=lambda user, params: user.has_perm("oversight.view_checkfinding"))
def data_checks(job, progress):
    """Run every data check, reporting each rule done; the result is the run's page."""
    run = checks_run(actor=job.created_by, trigger=job.params.get("trigger", CheckRun.Trigger.MANUAL), job=job,
                     progress=progress)
    return reverse("oversight:check_run_list") + f"#run-{run.pk}"


periodic_job("nightly_data_checks", kind=JOB_KIND, at=time.fromisoformat(settings.DATA_CHECKS_AT),
             title="数据核查（每晚定时）", params={"trigger": CheckRun.Trigger.NIGHTLY})
