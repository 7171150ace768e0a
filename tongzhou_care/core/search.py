"""Search text never travels in a URL (S12): names and ID digits would land in the proxy's and
gunicorn's access logs and in the browser history. A search form posts to `core:search`, which
keeps the text in the user's session under an opaque random token and redirects to the list
with `q=<token>`; the list reads the text back with `resolved_query`. The other filters (street,
status, dates) carry no personal data and stay in the URL, so a list can still be bookmarked
within a session."""

import secrets

from django.http import QueryDict

SESSION_KEY = "tz_searches"
KEPT = 50           # tokens kept per session, newest last
PARAM = "q"


def search_token(request, text: str) -> str:
    """Keep `text` in the session and return the opaque token that stands for it."""
    searches = [s for s in request.session.get(SESSION_KEY, []) if s[1] != text][-(KEPT - 1):]
    token = secrets.token_urlsafe(9)
    searches.append([token, text])
    request.session[SESSION_KEY] = searches
    return token


def resolved_query(request) -> QueryDict:
    """The request's GET parameters with the search token replaced by the text it stands for
    (dropped when unknown: another session's or an expired token finds nothing secret)."""
    query = request.GET.copy()
    token = query.get(PARAM)
    if token:
        text = dict(request.session.get(SESSION_KEY, [])).get(token)
        if text is None:
            query.pop(PARAM)
        else:
            query[PARAM] = text
    return query
