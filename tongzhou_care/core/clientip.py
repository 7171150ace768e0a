"""The client's address, as the lockout (S4) and the access log (S14) must count it.

Behind the reverse proxy every request comes from the proxy's address; the proxy appends the
address it received the request from to X-Forwarded-For. Only a request whose peer is one of
TRUSTED_PROXIES may name its client that way, and only the entries those proxies appended are
believed: the header is read from the right, skipping trusted proxies, and the first other
address is the client. Anything left of it was written by the client itself and is ignored, so
a client talking to gunicorn directly, or lying in the header, is counted at its real address.
"""

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _trusted(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES)


def client_ip(request) -> str:
    """The address of the client that sent `request` (AXES_CLIENT_IP_CALLABLE)."""
    peer = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    if not settings.TRUSTED_PROXIES or not _trusted(peer):
        return peer
    client = peer
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            break  # a malformed entry: trust nothing written before it
        client = address
        if not _trusted(address):
            break
    return client
