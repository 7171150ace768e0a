"""Search text never travels in a URL (S12): names and ID digits would land in the proxy's and
gunicorn's access logs and in the browser history. A search form posts to `core:search`, which
keeps the text in the user's session under an opaque random token and redirects to the list
with `q=<token>`; the list reads the text back with `resolved_query`. The other filters (street,
status, dates) carry no personal data and stay in the URL, so a list can still be bookmarked
within a session. The text is kept SM4-GCM sealed (core/crypto.py): sessions live in the
database, and a search may be a full ID number or a phone (personal data at rest)."""

import base64
import secrets

from django.http import QueryDict

from . import crypto
from .keys import keyring

SESSION_KEY = "tz_searches"
KEPT = 50           # tokens kept per session, newest last
PARAM = "q"


PURPOSE = "search"


def _sealed(text: str) -> str:
    return base64.b64encode(crypto.seal(keyring(), PURPOSE, text)).decode()


def _opened(kept: str) -> str | None:
    try:
        return crypto.unseal(keyring(), PURPOSE, base64.b64decode(kept))
    except (crypto.CryptoError, ValueError):        # sealed under a key no longer configured
        return None


def search_token(request, text: str) -> str:
    """Keep `text` in the session (sealed) and return the opaque token that stands for it."""
    searches = [s for s in request.session.get(SESSION_KEY, []) if _opened(s[1]) != text][-(KEPT - 1):]
    token = secrets.token_urlsafe(9)
    searches.append([token, _sealed(text)])
    request.session[SESSION_KEY] = searches
    return token


def resolved_query(request) -> QueryDict:
    """The request's GET parameters with the search token replaced by the text it stands for
    (dropped when unknown: another session's or an expired token finds nothing secret)."""
    query = request.GET.copy()
    token = query.get(PARAM)
    if token:
        kept = dict(request.session.get(SESSION_KEY, [])).get(token)
        text = _opened(kept) if kept is not None else None
        if text is None:
            query.pop(PARAM)
        else:
            query[PARAM] = text
    return query
