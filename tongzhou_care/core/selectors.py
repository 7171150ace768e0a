"""Read paths of the core app: background jobs. (The home page's figures belong to the apps that
own them: tongzhou_care/core/home.py.)"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import BackgroundJob


def jobs_visible_to(user) -> QuerySet[BackgroundJob]:
    """A user's own background jobs; nobody sees another's (their results carry personal data)."""
    if not user.is_authenticated:
        return BackgroundJob.objects.none()
    return BackgroundJob.objects.filter(created_by=user)


def job_for_user_or_404(user, job_id) -> BackgroundJob:
    return get_object_or_404(jobs_visible_to(user), pk=job_id)
