"""S8: a street officer sees only their street, insurer staff only their company. Every URL
pattern is discovered from the resolver, so a URL added later is crawled without anyone
remembering to list it."""

import io
import re
import subprocess
import tempfile

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests import html_forms
from tests.scoping import ID_KWARGS, plant

# Pages that are not data: authentication and the admin (which officers cannot enter; see
# test_admin_is_closed_to_officers).
NOT_DATA = {"login", "logout", "password_change"}


def walk(patterns=None, prefix="", namespace="", kwargs=()):
    """Yield (full regex, url name with namespace, kwarg names) for every URL pattern."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for p in patterns:
        regex = prefix + p.pattern.regex.pattern.lstrip("^").rstrip("$").replace("\\Z", "")
        names = tuple(kwargs) + tuple(p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, regex, ns, names)
        elif isinstance(p, URLPattern):
            yield regex, f"{namespace}{p.name}" if p.name else None, names


def is_admin(regex: str) -> bool:
    return regex.startswith("admin/")


def app_patterns():
    return [(r, n, k) for r, n, k in walk() if not is_admin(r)]


def url_for(regex: str, values: dict) -> str:
    """Fill a pattern's named groups with values; the crawl builds URLs from the regex itself,
    so an unnamed route is crawled too."""
    path = regex
    for name, value in values.items():
        path = re.sub(r"\(\?P<%s>[^)]*\)" % name, str(value), path)
    return "/" + path.replace("\\", "")


def body_text(response) -> str:
    """What a user would read: HTML as text, the cells of an .xlsx, the text of a PDF."""
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row if c is not None)
    if "pdf" in content_type:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(content)
            f.flush()
            return subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout
    return content.decode("utf-8", errors="replace")


def assert_no_leak(text: str, secrets, where: str):
    for secret in secrets:
        assert secret not in text, f"{where} shows {secret!r} of the other street"


def test_every_id_kwarg_has_a_planter():
    """A new id-taking URL must be covered: its kwarg needs an entry in tests/scoping.py."""
    uncovered = {(name, k) for _, name, kwargs in app_patterns() for k in kwargs
                 if k not in ID_KWARGS}
    assert not uncovered, f"URLs with ids the scoping crawl cannot plant: {sorted(uncovered)}"


def test_app_has_id_taking_urls():
    # The crawl below must have something to crawl, or it proves nothing.
    assert any(kwargs for _, _, kwargs in app_patterns())


@pytest.mark.django_db
def test_object_urls_of_another_street_answer_404(client_for, officer_a, street_a, street_b):
    client = client_for(officer_a)
    crawled = 0
    for regex, name, kwargs in app_patterns():
        if not kwargs:
            continue
        theirs = plant(kwargs, street_b)
        ours = plant(kwargs, street_a)
        their_url = url_for(regex, {k: v.pk for k, v in theirs.items()})
        our_url = url_for(regex, {k: v.pk for k, v in ours.items()})
        secrets = [s for planted in theirs.values() for s in planted.secrets]
        statuses = set()
        for method in ("get", "post"):
            response = getattr(client, method)(their_url)
            # 405: the view refuses the method before looking anything up.
            assert response.status_code in (404, 405), f"{method.upper()} {name} {their_url}"
            assert_no_leak(body_text(response), secrets, f"{method.upper()} {name}")
            statuses.add(response.status_code)
        assert 404 in statuses, f"{name}: neither GET nor POST reached the scoped lookup"
        # Control: the same URL for the officer's own street is not a 404, so the 404 above
        # comes from scoping, not from a broken URL.
        if all(p.officer_sees_own for p in ours.values()):
            assert client.get(our_url).status_code in (200, 302, 405), f"GET {name} {our_url}"
        crawled += 1
    assert crawled >= 1


@pytest.mark.django_db
def test_lists_and_exports_hold_only_own_street(client_for, officer_a, street_a, street_b):
    planted_b = [ID_KWARGS[k](street_b) for k in ID_KWARGS]
    [ID_KWARGS[k](street_a) for k in ID_KWARGS]
    secrets = [s for p in planted_b for s in p.secrets]
    client = client_for(officer_a)
    crawled = 0
    for regex, name, kwargs in app_patterns():
        if kwargs or name in NOT_DATA:
            continue
        url = url_for(regex, {})
        # Asking for the other street by filter must not work either.
        searched = planted_b[0].secrets[0]
        for query in ({}, {"street": street_b.pk}, {"q": searched}):
            response = (html_forms.searched(client, url, **query) if "q" in query
                        else client.get(url, query))
            assert response.status_code in (200, 302, 403, 405), f"GET {name} {url}"
            # The search box repeats what was typed; that is not a leak, a result row would be.
            text = body_text(response).replace(f'value="{searched}"', "")
            assert_no_leak(text, secrets, f"GET {name} {url} {query}")
        crawled += 1
    assert crawled >= 2


@pytest.mark.django_db
def test_person_list_shows_own_street_rows(client_for, officer_a, person_a, person_b):
    """The positive side of the crawl: officer A does see A's persons."""
    text = body_text(client_for(officer_a).get("/persons/"))
    assert person_a.name in text
    assert person_b.name not in text


@pytest.mark.django_db
def test_admin_is_closed_to_officers(client_for, officer_a, person_b):
    """Officers never enter the admin: every admin URL sends them to the admin login."""
    client = client_for(officer_a)
    for regex, name, kwargs in walk():
        if not is_admin(regex) or name in ("admin:login", "admin:logout"):
            continue
        values = {k: {"app_label": "enrollment", "object_id": person_b.pk,
                      "content_type_id": 1}.get(k, person_b.pk) for k in kwargs}
        response = client.get(url_for(regex, values))
        assert response.status_code in (302, 404), name
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/"), name
        assert person_b.name not in body_text(response)


def plant_under_insurer(kwargs, street, insurer) -> dict:
    """plant(), with every scheme year and claim it made moved to `insurer`: the same street,
    another company."""
    from claims.models import Claim
    from enrollment.models import SchemeYear
    from oversight.models import Complaint, InspectionFinding

    years_before = set(SchemeYear.objects.values_list("pk", flat=True))
    claims_before = set(Claim.objects.values_list("pk", flat=True))
    complaints_before = set(Complaint.objects.values_list("pk", flat=True))
    findings_before = set(InspectionFinding.objects.values_list("pk", flat=True))
    planted = plant(kwargs, street)
    SchemeYear.objects.exclude(pk__in=years_before).update(insurer=insurer)
    Claim.objects.exclude(pk__in=claims_before).update(insurer=insurer)
    Complaint.objects.exclude(pk__in=complaints_before).update(insurer=insurer)
    InspectionFinding.objects.exclude(pk__in=findings_before).update(
        responsible="insurer", responsible_street=None, responsible_insurer=insurer)
    return planted


# Objects an insurer's staff reach through their company's contracts or that are addressed to
# their company (inspection findings, moved to the company above); the rest (persons
# without a policy, imports, other people's jobs) they never see, of any company.
INSURER_OWNS = {"scheme_year_id", "policy_id", "claim_id", "document_id", "complaint_id", "inspection_finding_id",
                "evidence_id"}


@pytest.mark.django_db
def test_object_urls_of_another_insurer_answer_404(client_for, street_a):
    """S8 for the insurer side: staff of company A get nothing of company B's contracts, even
    in the same street."""
    from tests.factories import make_user
    from tongzhou_care.core.models import Insurer, Role

    company_a = Insurer.objects.create(name="甲保险公司", hotline="95501")
    company_b = Insurer.objects.create(name="乙保险公司", hotline="95502")
    client = client_for(make_user(Role.INSURER_STAFF, username="insurer_a_staff", insurer=company_a))
    crawled = 0
    for regex, name, kwargs in app_patterns():
        if not kwargs:
            continue
        theirs = plant_under_insurer(kwargs, street_a, company_b)
        ours = plant_under_insurer(kwargs, street_a, company_a)
        their_url = url_for(regex, {k: v.pk for k, v in theirs.items()})
        secrets = [s for planted in theirs.values() for s in planted.secrets]
        statuses = set()
        for method in ("get", "post"):
            response = getattr(client, method)(their_url)
            # 403: a permission the role lacks is refused before any lookup; no data either way.
            assert response.status_code in (403, 404, 405), f"{method.upper()} {name} {their_url}"
            assert_no_leak(body_text(response), secrets, f"{method.upper()} {name}")
            statuses.add(response.status_code)
        if set(kwargs) <= INSURER_OWNS:
            # Company B's object is refused by the scoped lookup, and company A's own object
            # behind the same URL is reached: the 404 above comes from scoping.
            our_url = url_for(regex, {k: v.pk for k, v in ours.items()})
            our_statuses = {client.get(our_url).status_code, client.post(our_url).status_code}
            if our_statuses & {200, 302, 400}:          # 400: reached, the empty form refused
                assert 404 in statuses, f"{name}: company B's object was not refused by the scoped lookup"
                crawled += 1
            else:
                assert our_statuses <= {403, 405}, f"{name} {our_url}: {our_statuses}"
    assert crawled >= 5
