"""Passing the second factor in tests (S7) with real codes: a user gets a confirmed TOTP device
with a known secret, and codes are computed from it as an authenticator app would."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrol(user) -> TOTPDevice:
    """The user's confirmed authenticator (made once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="测试手机", confirmed=True)


def code_for(device: TOTPDevice, key_hex: str | None = None) -> str:
    """The code an app shows now, for a time step the device has not accepted yet (a device
    accepts each step once; its tolerance allows the next one, else this waits for it)."""
    device.refresh_from_db()
    totp = TOTP(bytes.fromhex(key_hex or device.key), device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)
    if step > totp.t() + device.tolerance:
        time.sleep((step - device.tolerance) * device.step + device.t0 - time.time() + 0.05)
        totp.time = time.time()
    totp.time = step * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"


def verified(client, user):
    """Mark a client's logged-in session as having passed the second factor, as
    django_otp.login does after a correct code."""
    device = enrol(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def login_with_code(client, user, password, **extra):
    """The real two-step login: password, then a computed code. Returns the last response."""
    from django.urls import reverse

    device = enrol(user)
    response = client.post(reverse("login"), {"username": user.username, "password": password}, **extra)
    assert response.status_code == 302, response.status_code
    response = client.get(response["Location"], **extra)
    if response.status_code == 302:
        response = client.get(response["Location"], **extra)
    return client.post(reverse("two_factor_verify"), {"token": code_for(device)}, **extra)
