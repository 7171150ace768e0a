"""Issue 13 point 2 (S10): no page, export, printout, admin page or history shows enough to
rebuild a person's full ID number, phone or bank account without an unmask that writes an
access-log row. For each role, a crawl collects every text shown about one person (every GET
URL of the app with that person's objects, the links on those pages, the admin) and the test
looks for the number itself and for what would complete a masked one."""

import re
from datetime import date
from html import unescape
from urllib.parse import urlsplit

import pytest

from enrollment.models import Person
from enrollment.services import person_update, policies_issue
from tests.claims.conftest import report
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tests.test_scoping import app_patterns, body_text, url_for
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.models import AccessLog, BackgroundJob, Role

MAX_PAGES = 400


def birth_date_forms(day: date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    return [f"{y}{m:02d}{d:02d}", f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}", f"{y}.{m:02d}.{d:02d}",
            f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日", f"{y}/{m}/{d}", f"{y}-{m}-{d}"]


def revealing_texts(person: Person, account: str) -> list[str]:
    """The full numbers, and the parts a masked number hides: the ID's birth-date digits (the
    masked ID shows the rest) in any date notation, the phone's middle digits next to its ends."""
    return ([person.id_number, person.id_number[6:14], person.phone, account, person.address]
            + birth_date_forms(person.birth_date))


def crawl(client, seeds: list[str]) -> dict[str, str]:
    """GET the seeds and, breadth first, every same-site link on the pages reached (admin
    links without their sort and filter variants), up to MAX_PAGES; url -> text shown."""
    seen, queue, texts = set(), list(seeds), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or "/logout" in url:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        text = body_text(response)
        texts[url] = text
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in re.findall(r'href="([^"#]+)"', text):
            link = unescape(link)
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                if not link.startswith("?"):
                    continue
                parts = urlsplit(urlsplit(url).path + link)
            path = parts.path
            if path.startswith("/static/"):
                continue
            if path.startswith("/admin/"):
                link = path            # sorting and filter variants show the same rows
            elif link.startswith("?"):
                link = path + link
            queue.append(link)
    return texts


@pytest.fixture
def scene(street_a, commission_admin):
    """One person with every kind of record: policy, claim with a payee account, a changed
    phone and birth date (history), a certificate job of an officer."""
    year = SchemeYearFactory(coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31), name="2025年度")
    person = PersonFactory(street=street_a, name="遮蔽测试", birth_date=date(1950, 3, 7), phone="13912345678",
                           address="运河社区7号楼3单元502", bank_name="农商银行", bank_account="6228480011112222333")
    person_update(person_id=person.pk, version=person.version, actor=commission_admin,
                  changes={"phone": "13987654321"})
    person_update(person_id=person.pk, version=person.version + 1, actor=commission_admin,
                  changes={"phone": "13912345678"})
    with audit_context(commission_admin, "roster_import_apply"):   # as a roster correction does
        Person.objects.filter(pk=person.pk).update(birth_date=date(1950, 3, 8))
        Person.objects.filter(pk=person.pk).update(birth_date=date(1950, 3, 7))
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    officer = make_user(Role.STREET_OFFICER, username="officer_mask", street_obj=street_a)
    claim = report(person, officer, date(2025, 3, 1), date(2025, 3, 5),
                   payee_name="遮蔽测试", payee_account="6228480099998888777")
    person.refresh_from_db()
    return {"person": person, "year": year, "claim": claim, "officer": officer,
            "accounts": ["6228480011112222333", "6228480099998888777"],
            "admin": commission_admin}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.COMMISSION_STAFF, Role.STREET_OFFICER,
                                  Role.INSURER_STAFF])
def test_no_role_can_read_or_assemble_a_full_number(role, scene, client_for):
    person, claim, year = scene["person"], scene["claim"], scene["year"]
    user = {Role.COMMISSION_ADMIN: scene["admin"], Role.STREET_OFFICER: scene["officer"]}.get(role) or make_user(
        role, insurer=year.insurer if role == Role.INSURER_STAFF else None)
    job = BackgroundJob.objects.create(kind="certificate_batch", title="凭证", created_by=user)
    ids = {"person_id": person.pk, "policy_id": person.policies.get().pk, "claim_id": claim.pk,
           "scheme_year_id": year.pk, "job_id": job.pk,
           "document_id": 0, "import_id": 0}
    seeds = [url_for(regex, {k: ids[k] for k in kwargs}) for regex, name, kwargs in app_patterns()
             if name not in ("logout",) and all(ids.get(k) for k in kwargs)]
    seeds += ["/admin/", f"/admin/enrollment/person/{person.pk}/change/",
              f"/admin/enrollment/person/{person.pk}/history/"]
    texts = crawl(client_for(user), seeds)
    assert any(person.name in t for t in texts.values()), "the crawl never reached the person"
    unmasks = AccessLog.objects.filter(action=AccessLog.Action.UNMASK).count()
    found = sorted({(url, secret) for url, text in texts.items()
                    for secret in revealing_texts(person, scene["accounts"][0]) + scene["accounts"][1:]
                    # The address: only the persons export (masked) must drop building and door;
                    # pages and the officers' visit sheet show it.
                    if secret in text and not (secret == person.address and not url.startswith("/persons/export"))})
    assert found == [], "\n".join(f"{u}: {s}" for u, s in found)
    assert unmasks == 0
