"""Pages every role shares: home, password change, background jobs and the error pages."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET

from .downloads import file_download
from .jobs import KINDS
from .models import AccessLog
from .services import access_log_record
from .forms import ChangePasswordForm, LoginForm
from .home import home_panels
from .selectors import job_for_user_or_404, jobs_visible_to


@require_GET
@login_required
def home(request):
    return render(request, "core/home.html", {"panels": home_panels(request.user, timezone.localdate())})


@require_GET
@login_required
def job_list(request):
    page = Paginator(jobs_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "core/job_list.html", {"page": page})


@require_GET
@login_required
def job_detail(request, job_id):
    return render(request, "core/job_detail.html", {"job": job_for_user_or_404(request.user, job_id)})


@require_GET
@login_required
def job_progress(request, job_id):
    """The progress block, polled by the job page (htmx) until the job ends."""
    job = job_for_user_or_404(request.user, job_id)
    response = render(request, "core/_job_progress.html", {"job": job})
    if job.status == job.Status.DONE and job.result_url:
        response["HX-Redirect"] = job.result_url      # the page the user was waiting for
    return response


@require_GET
@login_required
def job_download(request, job_id):
    job = job_for_user_or_404(request.user, job_id)
    if job.status != job.Status.DONE or not job.result_file:
        raise Http404
    if not KINDS[job.kind].may_download(request.user, job.params):
        raise PermissionDenied("您的角色或管辖范围已变更，不能再下载这个结果。")
    path = Path(settings.MEDIA_ROOT) / job.result_file
    content_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    access_log_record(actor=request.user, action=AccessLog.Action.DOWNLOAD, target=f"后台任务结果 {job.title}",
                      detail=job.result_name, rows=job.progress_total or None)
    return file_download(path.open("rb"), job.result_name, content_type)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


def _error(request, status: int, template: str, **context):
    return render(request, template, {"request_id": getattr(request, "request_id", ""), **context},
                  status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "400.html")


def permission_denied(request, exception=None):
    # The reason is shown: only this project's code raises PermissionDenied with one, in Chinese.
    return _error(request, 403, "403.html", exception=str(exception or ""))


def page_not_found(request, exception=None):
    return _error(request, 404, "404.html")


def server_error(request):
    # Rendered without the request context: the database may be what failed, and the page
    # must show nothing but the request id (S12).
    html = loader.get_template("500.html").render({"request_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(html)


def csrf_failure(request, reason=""):
    return _error(request, 403, "403_csrf.html")
