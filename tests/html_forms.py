"""Read a rendered form the way a browser submits it, so a test posts back exactly what the
user was shown (a field the page renders blank is submitted blank)."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def submitted_fields(html: str) -> dict[str, str]:
    """Name → value of every field a browser would submit from the page's forms."""
    reader = _FormReader()
    reader.feed(html)
    reader.fields.pop("csrfmiddlewaretoken", None)
    return reader.fields


def searched(client, path: str, **filters):
    """GET a list page filtered as its filter bar does: the free text goes through the search
    endpoint (an opaque token in the URL, core/search.py), the other filters as they are."""
    response = client.post("/search/", {"next": path, **filters})
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])
