"""The claims list as a clerk sorts and filters it (issue 12 point 10): names in pinyin order,
every column both ways, a scheme year (of admission) and a state with the totals shown, an
officer's street only, sorts and filters kept from page to page."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Count, Sum

from claims.models import Claim, ClaimTally
from claims.services import payment_record
from enrollment.services import policies_issue
from tests.claims.conftest import decided_claim, report
from tests.factories import PersonFactory, SchemeYearFactory
from tongzhou_care.core.models import AccessLog

D = date
NAMES = ("张三", "阿明", "赵六", "李四")


@pytest.fixture
def claims(year, commission_admin, officer_a, officer_b, insurer_user, street_a, street_b):
    """Five claims in two scheme years: three decided (3,000, 900 and 1,500 元), two reported;
    张三 and 赵六 live in street A, 阿明 and 李四 in street B."""
    people = {name: PersonFactory(street=street, name=name)
              for name, street in zip(NAMES, (street_a, street_b, street_a, street_b))}
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=year.coverage_start)
    next_year = SchemeYearFactory(name="2026年度", coverage_start=D(2026, 1, 1), coverage_end=D(2026, 12, 31),
                                  insurer=year.insurer, daily_subsidy=Decimal("300.00"))
    policies_issue(scheme_year_id=next_year.pk, actor=commission_admin, today=next_year.coverage_start)
    made = {
        "张三 2025": decided_claim(people["张三"], officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11)),
        "阿明 2025": decided_claim(people["阿明"], officer_b, insurer_user, D(2025, 5, 1), D(2025, 5, 4)),
        "赵六 2025": report(people["赵六"], officer_a, D(2025, 4, 1), D(2025, 4, 3)),
        "张三 2026": report(people["张三"], officer_a, D(2026, 2, 1), D(2026, 2, 3)),
        "李四 2026": decided_claim(people["李四"], officer_b, insurer_user, D(2026, 3, 1), D(2026, 3, 6)),
    }
    return {"year": year, "next_year": next_year, **{k: Claim.objects.get(pk=c.pk) for k, c in made.items()}}


def _table(page: str) -> str:
    return page[page.index('data-testid="claim-table"'):]


def numbers(client, **query) -> list[str]:
    """The claim numbers in the order the page shows them."""
    return re.findall(r">(LP\w+)</a>", _table(client.get("/claims/", query).content.decode()))


def names(client, **query) -> list[str]:
    """The insured's names in the order the page shows them (each once, first appearance)."""
    shown = re.findall(r'class="card-title">([^<]+)<', _table(client.get("/claims/", query).content.decode()))
    return list(dict.fromkeys(shown))


def totals(client, **query) -> tuple[str, str]:
    page = client.get("/claims/", query).content.decode()
    count = re.search(r'data-testid="total-count">([^<]*)<', page).group(1)
    amount = re.search(r'data-testid="total-amount">([^<]*)<', page).group(1)
    return count, amount


@pytest.mark.django_db
def test_names_sort_in_pinyin_order_both_ways(client_for, commission_staff, claims):
    client = client_for(commission_staff)
    assert names(client, sort="name") == ["阿明", "李四", "张三", "赵六"]       # a, li, zhang, zhao
    assert names(client, sort="-name") == ["赵六", "张三", "李四", "阿明"]
    # 张三's two stays together, the earlier admission first.
    assert numbers(client, sort="name")[2:4] == [claims["张三 2025"].number, claims["张三 2026"].number]


@pytest.mark.parametrize("key, order", [
    ("number", lambda c: c.number),
    ("admitted_on", lambda c: (c.admitted_on, c.pk)),
    ("discharged_on", lambda c: (c.discharged_on, c.pk)),
    ("status", lambda c: (c.status, -c.reported_at.timestamp(), -c.pk)),
    ("amount", lambda c: (c.amount is None, c.amount or 0, c.pk)),      # not decided yet: last
    ("reported_at", lambda c: (c.reported_at, c.pk)),
])
@pytest.mark.django_db
def test_each_column_sorts_both_ways(client_for, commission_staff, claims, key, order):
    client = client_for(commission_staff)
    expected = [c.number for c in sorted(Claim.objects.all(), key=order)]
    assert numbers(client, sort=key) == expected
    assert numbers(client, sort=f"-{key}") == expected[::-1]
    page = client.get("/claims/", {"sort": f"-{key}", "status": "decided"}).content.decode()
    assert 'aria-sort="descending"' in page
    assert f'href="?status=decided&amp;sort={key}"' in page                 # the header keeps the filters


@pytest.mark.django_db
def test_the_newest_report_comes_first_by_default(client_for, commission_staff, claims):
    expected = [c.number for c in Claim.objects.order_by("-reported_at", "-id")]
    assert numbers(client_for(commission_staff)) == expected


@pytest.mark.django_db
def test_year_and_state_filter_the_list_and_its_totals(client_for, commission_staff, claims):
    client = client_for(commission_staff)
    year, next_year = claims["year"], claims["next_year"]
    assert totals(client) == ("5", "5,400.00")                              # 3,000 + 900 + 1,500
    assert totals(client, status="decided") == ("3", "5,400.00")
    assert totals(client, status="reported") == ("2", "0.00")
    assert totals(client, year=year.pk) == ("3", "3,900.00")
    assert totals(client, year=year.pk, status="decided") == ("2", "3,900.00")
    assert totals(client, year=next_year.pk, status="decided") == ("1", "1,500.00")
    assert set(numbers(client, year=next_year.pk)) == {claims["张三 2026"].number, claims["李四 2026"].number}
    assert set(names(client, year=year.pk, status="reported")) == {"赵六"}
    page = client.get("/claims/", {"year": year.pk}).content.decode()
    assert "核定金额合计" in page and f'<option value="{year.pk}" selected>2025年度</option>' in page
    # The export takes the same filters and order, and logs the year in words.
    response = client.get("/claims/export/", {"year": year.pk, "sort": "-amount"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == numbers(client, year=year.pk, sort="-amount")
    assert AccessLog.objects.get(action="export").detail == "保险年度（入院）：2025年度"
    # The state and street alone are answered by the tally, a year by the day tally, report
    # dates by counting the claims.
    assert client.get("/claims/", {"status": "decided"}).context["totals"].source == "tally"
    assert client.get("/claims/", {"year": year.pk}).context["totals"].source == "day and year tallies"
    assert client.get("/claims/", {"year": year.pk, "since": "2000-01-01"}).context["totals"].source == "claims"
    assert totals(client, year=year.pk, status="decided", since="2000-01-01") == ("2", "3,900.00")


@pytest.mark.django_db
def test_a_year_holds_the_stays_admitted_in_it_and_the_first_those_before_it(client_for, commission_staff,
                                                                              claims):
    client = client_for(commission_staff)
    year, next_year = claims["year"], claims["next_year"]
    # A stay admitted on the year's last day stays in that year even if discharged in the next;
    # one admitted before the first scheme year counts in the first (docs/figures.md).
    Claim.objects.filter(pk=claims["赵六 2025"].pk).update(admitted_on=D(2024, 12, 30))
    Claim.objects.filter(pk=claims["张三 2026"].pk).update(admitted_on=D(2025, 12, 31))
    assert set(numbers(client, year=year.pk)) == {claims[k].number for k in ("张三 2025", "阿明 2025", "赵六 2025",
                                                                           "张三 2026")}
    assert numbers(client, year=next_year.pk) == [claims["李四 2026"].number]


@pytest.mark.django_db
def test_officers_see_only_their_streets_claims_and_totals(client_for, officer_a, claims):
    client = client_for(officer_a)
    assert names(client, sort="name") == ["张三", "赵六"]
    assert totals(client) == ("3", "3,000.00")
    assert totals(client, year=claims["year"].pk) == ("2", "3,000.00")
    assert totals(client, year=claims["next_year"].pk, status="decided") == ("0", "0.00")
    assert totals(client, street=claims["阿明 2025"].street_id) == ("0", "0.00")   # another street: nothing


@pytest.mark.parametrize("sort", ["password", "-", "--name", "person__id_number", "name;drop", "", "amount,id"])
@pytest.mark.django_db
def test_a_sort_that_is_not_offered_is_ignored(client_for, commission_staff, claims, sort):
    client = client_for(commission_staff)
    response = client.get("/claims/", {"sort": sort, "year": "x", "status": "nonsense", "page": "abc"})
    assert response.status_code == 200
    assert numbers(client, sort=sort) == numbers(client)                 # the default order


@pytest.mark.django_db
def test_sort_and_filters_survive_paging(client_for, commission_staff, claims, monkeypatch):
    from claims.views import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    client = client_for(commission_staff)
    year = claims["year"]
    first = client.get("/claims/", {"year": year.pk, "sort": "-name"}).content.decode()
    assert f'href="?year={year.pk}&amp;sort=-name&page=2">下一页' in first
    assert names(client, year=year.pk, sort="-name") == ["赵六", "张三"]
    assert names(client, year=year.pk, sort="-name", page=2) == ["阿明"]
    assert totals(client, year=year.pk, sort="-name", page=2) == ("3", "3,900.00")
    # The phone's sort select carries the filters along.
    assert f'<input type="hidden" name="year" value="{year.pk}">' in first


@pytest.mark.django_db
def test_tally_keeps_the_decided_amounts(officer_a, insurer_user, insured):
    from django.db import connection

    decided = decided_claim(insured, officer_a, insurer_user, D(2025, 3, 1), D(2025, 3, 11))
    report(insured, officer_a, D(2025, 4, 1), D(2025, 4, 3))
    payment_record(claim_id=decided.pk, paid_on=D(2025, 6, 1), amount=decided.amount, bank_reference="B1",
                   actor=insurer_user)
    with connection.cursor() as cursor:                     # raw SQL takes the same path
        cursor.execute("UPDATE claims_claim SET amount = amount + 1 WHERE amount IS NOT NULL")
    truth = {(r["street"], r["insurer"], r["status"]): (r["n"], r["a"] or Decimal("0.00"))
             for r in Claim.objects.values("street", "insurer", "status").annotate(n=Count("pk"), a=Sum("amount"))}
    tally = {(t.street_id, t.insurer_id, t.status): (t.n, t.amount) for t in ClaimTally.objects.exclude(n=0)}
    assert tally == truth and truth[(insured.street_id, decided.insurer_id, "paid")] == (1, Decimal("3001.00"))
