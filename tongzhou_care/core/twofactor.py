"""Two-factor login (S7): a time-based one-time code (TOTP, RFC 6238) from an authenticator app
after the password, for every role (all of them see personal data) and for /admin. django-otp
keeps the devices: one TOTP device per user, enrolled by scanning a QR code made here on the
server, and a static device holding ten one-time recovery codes.

`TWO_FACTOR_GRACE_DAYS` lets a user without a device work for that many days after their first
login before enrolment is required (0: enrol at the first login, production's default). Only
the commission admin resets a user's second factor (a lost phone), with a reason, logged.
"""

import secrets
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_context
from .models import AccessLog, User
from .services import access_log_record

RECOVERY_CODES = 10
TOTP_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def grace_until(user):
    """The moment until which `user` may work without a second factor, or None when it has
    passed (or the setting grants none)."""
    days = settings.TWO_FACTOR_GRACE_DAYS
    if not days or user.first_login_at is None:
        return None
    until = user.first_login_at + timedelta(days=days)
    return until if timezone.now() < until else None


def mark_first_login(sender, request, user, **kwargs):
    """Receiver of user_logged_in: the grace period counts from the first login."""
    if user.first_login_at is None:
        user.first_login_at = timezone.now()
        with audit_context(user, "first_login"):
            User.objects.filter(pk=user.pk, first_login_at__isnull=True).update(first_login_at=user.first_login_at)


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device (a new secret unless one is pending). Raises
    ValueError when the user already has a confirmed one (only an admin reset replaces it)."""
    if has_second_factor(user):
        raise ValueError("已启用")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> bytes:
    """The otpauth:// URL of `device` as an SVG QR code, made here (no outside service)."""
    import segno

    out = BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2,
                                                   title="双因素认证二维码", xmldecl=False)
    return out.getvalue()


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    device.token_set.bulk_create([device.token_set.model(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def totp_enrolment_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a code from the app: the session counts as verified and ten new
    recovery codes are returned (shown once). None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user, confirmed=False)
    if not device.verify_token(normalise(token)):
        return None
    with audit_context(request.user, "two_factor_enrol"):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(request.user)
        access_log_record(actor=request.user, action=AccessLog.Action.TWO_FACTOR,
                          target=f"用户 {request.user.username}", detail="启用双因素认证，生成恢复码")
    otp_login(request, device)
    return codes


def normalise(token: str) -> str:
    return "".join(token.split()).lower()


def verify_second_factor(*, request, token: str) -> bool:
    """Check a code from the app, or a recovery code (used up); on success the session is
    verified (and gets a new key)."""
    from django_otp import verify_token

    token = normalise(token)
    user = request.user
    device = None
    if token.isdigit():
        totp = confirmed_totp(user)
        device = verify_token(user, totp.persistent_id, token) if totp else None
    else:
        recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
        device = verify_token(user, recovery.persistent_id, token) if recovery else None
        if device is not None:
            access_log_record(actor=user, action=AccessLog.Action.TWO_FACTOR, target=f"用户 {user.username}",
                              detail=f"使用恢复码登录，剩余 {device.token_set.count()} 个")
    if device is None:
        return False
    request.session.cycle_key()
    otp_login(request, device)
    return True


@transaction.atomic
def two_factor_reset(*, user: User, actor: User, reason: str) -> None:
    """Remove a user's second factor (a lost phone): they enrol again at their next login.
    Recorded in the access log with the reason; the user's sessions end."""
    from django.contrib.sessions.models import Session

    with audit_context(actor, "two_factor_reset"):
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        access_log_record(actor=actor, action=AccessLog.Action.TWO_FACTOR, target=f"用户 {user.username}",
                          detail="重置双因素认证", reason=reason)
    # The user's open sessions were verified with the removed device: end them.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
