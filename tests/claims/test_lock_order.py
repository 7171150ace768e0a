"""One lock order for the whole project (person → scheme year → policy → claim), proved the
way django-oscar proves its stock locks: two services that share rows run against each other
under a barrier, many times, on real PostgreSQL with committed transactions, and PostgreSQL
never reports a deadlock (SQLSTATE 40P01); the outcome is consistent either way round."""

import csv
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.db.models import Sum

from claims import services
from claims.models import Claim, ClaimPortion, ClaimStatus
from claims.selectors import claims_beyond_cover, documents_status
from enrollment.models import Person, Policy
from enrollment.sample_roster import HEADER
from enrollment.services import person_update, policies_issue, roster_import_apply, roster_import_preview
from tests.claims.conftest import stay
from tests.factories import PersonFactory, SchemeYearFactory, make_user, street, uploaded_file
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation

ROUNDS = 8


def _race(*calls):
    """Run the calls at once (a barrier releases them together); return each one's result or
    exception."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as error:          # noqa: BLE001 - the outcome is what the test reads
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _deadlocks(outcomes) -> list:
    return [o for o in outcomes if isinstance(o, OperationalError)
            and getattr(o.__cause__, "pgcode", None) == "40P01"]


@pytest.fixture
def world(transactional_db):
    admin = make_user(Role.COMMISSION_ADMIN)
    year = SchemeYearFactory(name="2025年度", coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31),
                             daily_subsidy=Decimal("300.00"))
    insurer = make_user(Role.INSURER_STAFF, insurer=year.insurer)
    officer = make_user(Role.STREET_OFFICER, street_obj=street("001"))
    return admin, year, insurer, officer


def _accepted_claim(person, officer, insurer, admitted):
    claim = services.claim_report(person=person, data=stay(admitted, admitted + timedelta(days=6)), actor=officer,
                                  today=admitted + timedelta(days=7))
    services.claim_upload_documents(claim_id=claim.pk, actor=officer, documents=[
        (kind, uploaded_file()) for kind in documents_status(claim)[0]])
    services.claim_accept(claim_id=claim.pk, actor=insurer)
    return claim


def test_a_decision_against_recording_the_death_never_deadlocks(world):
    admin, year, insurer, officer = world
    persons = [PersonFactory(street=street("001")) for _ in range(ROUNDS)]
    policies_issue(scheme_year_id=year.pk, actor=admin, today=date(2025, 1, 1))
    outcomes_seen = set()
    for person in persons:
        claim = _accepted_claim(person, officer, insurer, date(2025, 3, 1))
        person.refresh_from_db()
        died = date(2025, 3, 4)          # in hospital: days 5 and 6 March come after the death
        outcomes = _race(
            lambda: services.claim_decide(claim_id=claim.pk, actor=insurer, today=date(2025, 3, 20)),
            lambda: person_update(person_id=person.pk, version=person.version, actor=admin, today=date(2025, 3, 20),
                                  changes={"status": "deceased", "status_date": died}))
        assert not _deadlocks(outcomes), outcomes
        decided, death = outcomes
        assert isinstance(death, Person), outcomes
        claim.refresh_from_db()
        policy = Policy.objects.get(person=person)
        assert policy.cover_end == died
        if isinstance(decided, Claim):
            # The decision went first: all six days paid, and the death recorded after it makes
            # the claim one to review, with two days at stake.
            outcomes_seen.add("decided first")
            assert claim.days_payable == 6
            assert claims_beyond_cover(person_ids=[person.pk]).filter(pk=claim.pk).exists()
        else:
            # The death went first: the decision waits for the heirs and the death papers,
            # nothing was consumed.
            outcomes_seen.add("death first")
            assert isinstance(decided, RuleViolation) and "死亡证明" in decided.message, outcomes
            assert claim.status == ClaimStatus.ACCEPTED
        assert policy.days_used == (ClaimPortion.objects.filter(policy=policy)
                                    .aggregate(n=Sum("days_payable"))["n"] or 0)
    assert outcomes_seen      # at least one way round happened (usually both)


def _roster_with_new_community(folder, person, community: str):
    """A roster file naming the person with another 村（居）委会 (a "changed" row)."""
    path = folder / f"花名册_{community}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerow([1, person.name, person.get_sex_display(), person.id_number, f"{person.birth_date:%Y-%m-%d}",
                         person.street.name, community, person.address, person.phone, "独生子女死亡特别扶助",
                         "", ""])
    return path


def test_a_decision_against_a_roster_apply_touching_the_person_never_deadlocks(world, tmp_path):
    admin, year, insurer, officer = world
    person = PersonFactory(street=street("001"))
    policies_issue(scheme_year_id=year.pk, actor=admin, today=date(2025, 1, 1))
    for round_ in range(ROUNDS):
        claim = _accepted_claim(person, officer, insurer, date(2025, 2, 1) + timedelta(days=10 * round_))
        path = _roster_with_new_community(tmp_path, person, f"第{round_ + 1}社区")
        preview = roster_import_preview(path=path, file_name=path.name, roster_year=2025, actor=admin)
        assert preview.changed_count == 1, list(preview.rows.values("kind", "messages", "changes"))
        outcomes = _race(
            lambda: services.claim_decide(claim_id=claim.pk, actor=insurer, today=date(2025, 12, 20)),
            lambda: roster_import_apply(roster_import_id=preview.pk, actor=admin, kinds={"changed"},
                                        skip_errors=True))
        assert not _deadlocks(outcomes), outcomes
        assert all(not isinstance(o, Exception) for o in outcomes), outcomes
        person.refresh_from_db()
        assert person.community == f"第{round_ + 1}社区"
        claim.refresh_from_db()
        assert (claim.status, claim.days_payable) == (ClaimStatus.DECIDED, 6)
    assert Policy.objects.get(person=person).days_used == 6 * ROUNDS
