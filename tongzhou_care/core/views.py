"""Pages every role shares: home, password change, background jobs and the error pages."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .downloads import file_download
from .jobs import KINDS
from .models import AccessLog
from .services import access_log_record
from .forms import ChangePasswordForm, LoginForm, TokenForm
from .home import home_panels
from .search import PARAM, search_token
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


@require_POST
@login_required
def search(request):
    """A filter bar's submission: the free text becomes an opaque token (core/search.py), the
    other filters go into the list's URL as they are."""
    target = request.POST.get("next", "")
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        target = reverse("home")
    query = request.POST.copy()
    for name in ("csrfmiddlewaretoken", "next", "page"):
        query.pop(name, None)
    text = query.get(PARAM, "").strip()
    if text:
        query[PARAM] = search_token(request, text)
    else:
        query.pop(PARAM, None)
    return redirect(f"{target.split('?')[0]}?{query.urlencode()}" if query else target.split("?")[0])


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


# --- Two-factor login (S7, core/twofactor.py) ---------------------------------------------

def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@login_required
def two_factor_verify(request):
    """Step two of the login: a code from the app, or a recovery code."""
    from .twofactor import has_second_factor, verify_second_factor

    if request.user.is_verified():
        return redirect(_next(request))
    if not has_second_factor(request.user):
        return redirect(f"{reverse('two_factor_setup')}?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if verify_second_factor(request=request, token=form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", "验证码不正确或已过期（多次输错须稍候再试）。请核对手机时间后重新输入。")
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)},
                  status=400 if form.errors else 200)


@login_required
def two_factor_setup(request):
    """Enrolment: scan the QR code made here, type the code the app shows, keep the recovery
    codes shown once."""
    from .twofactor import grace_until, has_second_factor, totp_enrolment_confirm, totp_enrolment_start

    if has_second_factor(request.user):
        if not request.user.is_verified():
            return redirect(f"{reverse('two_factor_verify')}?next={_next(request)}")
        return render(request, "registration/two_factor_setup.html", {"enabled": True})
    device = totp_enrolment_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrolment_confirm(request=request, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            return render(request, "registration/two_factor_recovery.html",
                          {"codes": codes, "next": _next(request)})
        form.add_error("token", "验证码不正确。请确认已扫描本页二维码，且手机时间准确。")
    from base64 import b32encode
    secret = b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor_setup.html", {
        "form": form, "next": _next(request), "grace_until": grace_until(request.user),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }, status=400 if form.errors else 200)


@require_GET
@login_required
def two_factor_qr(request):
    """The enrolment QR code as SVG (never cached: it carries the secret); once enrolled, there
    is none to show (a new one only after an admin reset)."""
    from .twofactor import has_second_factor, qr_svg, totp_enrolment_start

    if has_second_factor(request.user):
        return redirect("two_factor_setup")
    return HttpResponse(qr_svg(totp_enrolment_start(user=request.user)), content_type="image/svg+xml")
