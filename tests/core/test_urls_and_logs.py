"""Issue 13 point 6 (S12, S14): names and ID digits never appear in URLs or server logs, even
when a user searches for them; the access log records the client's address."""

import logging
import re
from html import unescape
from urllib.parse import quote, urlsplit

import pytest

from tests.claims.conftest import report
from tests.factories import make_user
from tests.html_forms import submitted_fields
from tests.test_scoping import app_patterns, url_for
from tongzhou_care.core.models import AccessLog, Role


class Crawl:
    """A test client that keeps what a server would log of each request: its request line."""

    def __init__(self, client):
        self.client, self.lines = client, []

    def _log(self, response):
        request = response.request
        query = request.get("QUERY_STRING", "")
        self.lines.append(f'{request["REQUEST_METHOD"]} {request["PATH_INFO"]}{"?" + query if query else ""}')

    def get(self, url):
        response = self.client.get(url)
        self._log(response)
        return response

    def submit_search(self, page_url, text):
        """Fill the page's search form (role="search") as a browser would and follow it."""
        html = self.get(page_url).content.decode()
        form = re.search(r'<form\b([^>]*role="search"[^>]*)>(.*?)</form>', html, re.S)
        assert form, f"no search form on {page_url}"
        attrs, body = form.groups()
        method = (re.search(r'method="(\w+)"', attrs) or [None, "get"])[1].lower()
        action = unescape((re.search(r'action="([^"]*)"', attrs) or [None, ""])[1]) or page_url
        fields = submitted_fields(body)
        fields["q"] = text
        if method == "post":
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            fields["csrfmiddlewaretoken"] = token[1] if token else ""
            response = self.client.post(action, fields)
            self._log(response)
            while response.status_code == 302:
                response = self.get(response["Location"])
        else:
            response = self.client.get(action, fields)
            self._log(response)
        for link in re.findall(r'href="([^"]*\?[^"]*)"', response.content.decode()):
            link = unescape(link)
            if urlsplit(link).path and not link.startswith("http"):
                self.get(link)          # pagination and "export as shown" links
        return response


def forbidden_texts(person) -> list[str]:
    texts = [person.name, person.id_number, person.id_number[-4:], person.phone]
    return texts + [quote(t) for t in texts] + [quote(t).lower() for t in texts]


@pytest.mark.django_db
def test_searches_put_no_name_or_id_digits_in_urls_or_logs(client_for, officer_a, commission_admin, caplog):
    from tests.factories import PersonFactory, SchemeYearFactory
    from enrollment.services import policies_issue

    person = PersonFactory(street=officer_a.street, name="张桂英")
    year = SchemeYearFactory()
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    report(person, officer_a, year.coverage_start, year.coverage_start.replace(day=5))
    caplog.set_level(logging.DEBUG)

    crawl = Crawl(client_for(officer_a))
    for text in (person.name, person.id_number[-4:]):
        found = crawl.submit_search("/persons/", text)
        assert person.name in found.content.decode(), "the search itself must still work"
        found = crawl.submit_search("/claims/", text)
        assert person.name in found.content.decode()
    admin_crawl = Crawl(client_for(commission_admin))
    found = admin_crawl.submit_search(f"/scheme-years/{year.pk}/policies/", person.name)
    assert person.name in found.content.decode()
    # Every other list with a search box (discovered from the resolver: lists added later too).
    searched = 0
    for user in (officer_a, commission_admin, make_user(Role.COMMISSION_STAFF)):
        other = Crawl(client_for(user))
        for regex, name, kwargs in app_patterns():
            if kwargs or name in ("logout", "search"):
                continue
            page = other.client.get(url_for(regex, {}))
            if page.status_code == 200 and not page.streaming and re.search(r'role="search"[^>]*>(?:(?!</form>).)*name="q"',
                                                     page.content.decode(), re.S):
                other.submit_search(url_for(regex, {}), person.name)
                searched += 1
        crawl.lines += other.lines
    assert searched >= 6

    logged = crawl.lines + admin_crawl.lines + [r.getMessage() for r in caplog.records]
    leaks = [line for line in logged for text in forbidden_texts(person) if text in line]
    assert leaks == []
    assert any(line.startswith("GET /persons/?q=") for line in crawl.lines)


@pytest.mark.django_db
def test_a_search_token_of_another_session_finds_nothing(client_for, officer_a, street_a):
    from tests.factories import PersonFactory

    PersonFactory(street=street_a, name="张桂英")
    PersonFactory(street=street_a, name="李秀兰")
    mine = Crawl(client_for(officer_a))
    url = mine.submit_search("/persons/", "张桂英").request["QUERY_STRING"]
    assert "张桂英" in mine.get(f"/persons/?{url}").content.decode()
    other = client_for(officer_a).get(f"/persons/?{url}").content.decode()
    assert "李秀兰" in other            # an unknown token is no filter, and reveals nothing


@pytest.mark.django_db
def test_access_log_records_the_client_address(client_for, officer_a, person_a, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client = client_for(officer_a)
    response = client.post(f"/persons/{person_a.pk}/unmask/", {"reason": "核对材料"},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert response.status_code == 200
    assert AccessLog.objects.get(action=AccessLog.Action.UNMASK).ip_address == "198.51.100.23"
