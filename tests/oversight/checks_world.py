"""A small world for the data checks, built through the real services on fixed dates, and for
every rule a switch that plants its condition or takes it away again (through the services
where they can, through ORM or raw SQL where the condition is one no service would write, and
by dropping a constraint inside the test's transaction where the database refuses even raw SQL).

    p1  street A, paid claim c1  2025-03-01 .. 03-11 (10 days, 3,000.00)
    p2  street A, decided claim c2 2025-04-01 .. 04-06 (5 days, 1,500.00), not paid
    p3  street B, no claims
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from claims import services as claim_services
from claims.models import Claim, ClaimPortion, Payment
from enrollment.models import Person, Policy, PolicyChange, RosterImport, RosterRow, SchemeYear
from enrollment.services import policies_issue
from tests.claims.conftest import decided_claim, report
from tests.factories import PersonFactory, SchemeYearFactory, make_user
from tongzhou_care.core.models import Role, Street, User

TODAY = date(2025, 6, 30)       # the day every run in these tests is for


@dataclass
class World:
    year: SchemeYear
    staff: User
    admin: User
    street_a: Street
    street_b: Street
    p1: Person
    p2: Person
    p3: Person
    c1: Claim
    c2: Claim
    insurer_user: User


def build_world(*, street_a, street_b, commission_staff, commission_admin) -> World:
    year = SchemeYearFactory(name="2025年度", coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31),
                             daily_subsidy=Decimal("300.00"))
    insurer_user = make_user(Role.INSURER_STAFF, username="checks_insurer", insurer=year.insurer)
    officer = make_user(Role.STREET_OFFICER, username="checks_officer", street_obj=street_a)
    p1 = PersonFactory(street=street_a, name="甲一")
    p2 = PersonFactory(street=street_a, name="乙二")
    p3 = PersonFactory(street=street_b, name="丙三")
    policies_issue(scheme_year_id=year.pk, actor=commission_admin, today=date(2025, 1, 1))
    c1 = decided_claim(p1, officer, insurer_user, date(2025, 3, 1), date(2025, 3, 11))
    claim_services.payment_record(claim_id=c1.pk, paid_on=date(2025, 3, 20), amount=c1.amount,
                                  bank_reference="ZH001", actor=insurer_user, today=date(2025, 3, 20))
    c2 = decided_claim(p2, officer, insurer_user, date(2025, 4, 1), date(2025, 4, 6))
    c1.refresh_from_db()
    c2.refresh_from_db()
    return World(year, commission_staff, commission_admin, street_a, street_b, p1, p2, p3, c1, c2, insurer_user)


def _person(world, person, **fields):
    Person.objects.filter(pk=person.pk).update(**fields)


def _at(day: date):
    return timezone.make_aware(datetime.combine(day, time(10)))


def _roster(world, kind: str, person: Person, messages=(), event_date=None) -> RosterImport:
    roster = RosterImport.objects.filter(file_name="检查用花名册.xlsx").first()
    if roster is None:
        roster = RosterImport.objects.create(
            created_by=world.admin, file_name="检查用花名册.xlsx", file_sha256="0" * 64, file_size=1, file_kind="xlsx",
            roster_year=2025, header_row=1, rows_total=10, missing_count=1, status="applied",
            applied_at=_at(TODAY - timedelta(days=60)), applied_by=world.admin)
        RosterRow.objects.create(roster_import=roster, row_number=None if kind == "missing" else 5, kind=kind,
                                 person=person, name=person.name, id_number=person.id_number,
                                 messages=list(messages), event_date=event_date)
    return roster


# Each switch: (world, on) → {key: (person_id, claim_id)} of the findings the condition makes.

def paid_after_end(world, on):
    _person(world, world.p1, status="deceased" if on else "active", status_date=date(2025, 3, 5) if on else None)
    return {f"claim:{world.c1.pk}": (world.p1.pk, world.c1.pk)}


def engine_differs(world, on):
    Claim.objects.filter(pk=world.c1.pk).update(amount=Decimal("2700.00") if on else world.c1.amount)
    Payment.objects.filter(claim=world.c1).update(amount=Decimal("2700.00") if on else world.c1.amount)
    return {f"claim:{world.c1.pk}": (world.p1.pk, world.c1.pk)}


def paid_not_decided(world, on):
    Payment.objects.filter(claim=world.c1).update(amount=Decimal("2900.00") if on else world.c1.amount)
    return {f"claim:{world.c1.pk}": (world.p1.pk, world.c1.pk)}


def unpaid_past_sla(world, on):
    Claim.objects.filter(pk=world.c2.pk).update(due_on=TODAY - timedelta(days=1) if on else TODAY)
    return {f"claim:{world.c2.pk}": (world.p2.pk, world.c2.pk)}


def missing_from_roster(world, on):
    roster = _roster(world, "missing", world.p3)
    # Applied 31 days before the run: more than 30 days; 30 days: not yet.
    RosterImport.objects.filter(pk=roster.pk).update(applied_at=_at(TODAY - timedelta(days=31 if on else 30)))
    return {f"person:{world.p3.pk}": (world.p3.pk, None)}


def roster_dead_active(world, on):
    # The roster's death row, not confirmed when the import was applied.
    _roster(world, "death", world.p3, event_date=date(2025, 5, 1))
    _person(world, world.p3, status="active" if on else "deceased", status_date=None if on else date(2025, 5, 1))
    return {f"person:{world.p3.pk}": (world.p3.pk, None)}


def shared_account(world, on):
    _person(world, world.p1, bank_account="6210 0000 1111 2222")
    _person(world, world.p3, bank_account="6210000011112222" if on else "6210000099998888")
    return {f"person:{world.p1.pk}": (world.p1.pk, None), f"person:{world.p3.pk}": (world.p3.pk, None)}


def long_stay(world, on):
    claim = Claim.objects.filter(person=world.p3).first() or report(
        world.p3, world.staff, date(2025, 4, 1), date(2025, 5, 31), today=date(2025, 6, 2))
    # Discharge minus admission: 61 days is more than 60; 60 is not.
    Claim.objects.filter(pk=claim.pk).update(discharged_on=date(2025, 6, 1) if on else date(2025, 5, 31))
    return {f"claim:{claim.pk}": (world.p3.pk, claim.pk)}


def many_stays(world, on):
    if not Claim.objects.filter(person=world.p3).exists():
        for k in range(7):
            day = date(2025, 2, 1) + timedelta(days=10 * k)
            report(world.p3, world.staff, day, day + timedelta(days=2))
    # Seven stays are more than six; with one withdrawn, six are not.
    last = Claim.objects.filter(person=world.p3).latest("admitted_on")
    Claim.objects.filter(pk=last.pk).update(status="reported" if on else "withdrawn")
    return {f"person:{world.p3.pk}:year:{world.year.pk}": (world.p3.pk, None)}


def policy_not_eligible(world, on):
    _person(world, world.p2, category="reward" if on else "death")
    policy = Policy.objects.get(person=world.p2)
    return {f"policy:{policy.pk}": (world.p2.pk, None)}


def policy_count_differs(world, on):
    late = Person.objects.filter(name="后补丁四").first() or PersonFactory(street=world.street_b, name="后补丁四")
    policy = Policy.objects.filter(person=late).first() or Policy.objects.create(
        scheme_year=world.year, person=late, number="TZ2025-999999", cover_start=date(2025, 6, 1),
        cover_end=date(2025, 12, 31), day_cap=90)
    # A policy the insurer was never told of (no line on the change list), or one it was.
    if on:
        PolicyChange.objects.filter(policy=policy).delete()
    elif not PolicyChange.objects.filter(policy=policy).exists():
        PolicyChange.objects.create(scheme_year=world.year, policy=policy, kind="addition",
                                    effective_date=date(2025, 6, 1), notified_on=date(2025, 5, 31),
                                    reason="新增参保对象", created_by=world.admin)
    return {f"street:{world.street_b.pk}:year:{world.year.pk}": (None, None)}


def woman_under_49(world, on):
    # Born 1970-01-01: 49 on 2019-01-01; a start the day before is under 49.
    _person(world, world.p2, sex="F", birth_date=date(1970, 1, 1),
            assistance_start=date(2018, 12, 31) if on else date(2019, 1, 1))
    return {f"person:{world.p2.pk}": (world.p2.pk, None)}


def _raw_claim(world, person, admitted: date, discharged: date | None, number: str) -> int:
    """A stay inserted with raw SQL, beside the services."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO claims_claim (number, person_id, street_id, insurer_id, hospital, admitted_on, discharged_on,
                cause, diagnosis, reporter_name, reporter_relation, reporter_phone, proxy_filing, payee_name,
                payee_relation, payee_id_number, payee_bank, payee_account, status, late_report, reported_at,
                reported_by_id, calculation, refusal_code, refusal_explanation, appeal_reason, appeal_count, due_step,
                version, updated_at)
            SELECT %s, p.id, p.street_id, %s, '测试医院', %s, %s, 'illness', '肺炎', '报案人', '本人', '13900000000',
                   false, '', '', '', '', '', 'reported', false, now(), %s, '[]', '', '', '', 0, '', 1, now()
            FROM enrollment_person p WHERE p.id = %s RETURNING id""",
            [number, world.year.insurer_id, admitted, discharged, world.staff.pk, person.pk])
        return cursor.fetchone()[0]


def drop_constraint(table: str, name: str) -> None:
    """Inside the test's transaction only: rolled back with it. (The deferred foreign-key
    checks of rows written so far are run first: PostgreSQL alters no table with checks pending.)"""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def overlapping_stays(world, on):
    drop_constraint("claims_claim", "claim_no_overlapping_stays")
    claim = Claim.objects.filter(number="LPRAW0001").first()
    claim_id = claim.pk if claim else _raw_claim(world, world.p1, date(2025, 3, 5), date(2025, 3, 8), "LPRAW0001")
    Claim.objects.filter(pk=claim_id).update(status="reported" if on else "withdrawn")
    return {f"claim:{claim_id}": (world.p1.pk, claim_id)}


def cap_overrun(world, on):
    # No constraint stops the decided days of a policy's claims adding up past the cap: only
    # the counter (days_used) has one. Raw SQL can do this; the direct query finds it.
    days = 95 if on else 10
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claimportion SET days_claimed = %s, days_covered = %s, days_payable = %s "
                       "WHERE claim_id = %s", [days, days, days, world.c1.pk])
    policy = ClaimPortion.objects.get(claim=world.c1).policy
    return {f"policy:{policy.pk}": (world.p1.pk, None)}


SWITCHES = {f.__name__: f for f in (
    paid_after_end, engine_differs, paid_not_decided, unpaid_past_sla, missing_from_roster, roster_dead_active,
    shared_account, long_stay, many_stays, policy_not_eligible, policy_count_differs, woman_under_49,
    overlapping_stays, cap_overrun)}
