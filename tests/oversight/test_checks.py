"""Every data check on real PostgreSQL: a normal world gives no finding; each planted condition
is found and linked to its person or claim; a rerun keeps one finding per object and writes
nothing; a condition that goes away is marked as no longer found; a resolution holds while the
condition stays away, and the finding reopens when it comes back; a dismissal holds."""

from datetime import date
from decimal import Decimal

import pytest
from pghistory.models import Events

from enrollment.models import SchemeYear
from enrollment.services import scheme_year_save
from oversight.models import CheckFinding
from oversight.rules.checks import CHECK_RULES, RULES_BY_NAME, describe
from oversight.services.checks import check_finding_dismiss, check_finding_resolve, checks_run
from tongzhou_care.core.rules import RuleViolation

from .checks_world import SWITCHES, TODAY, build_world


@pytest.fixture
def world(street_a, street_b, commission_staff, commission_admin):
    return build_world(street_a=street_a, street_b=street_b, commission_staff=commission_staff,
                       commission_admin=commission_admin)


def run(world, *rules):
    """One run of the given rules (all by default) for TODAY; returns its results by rule."""
    result = checks_run(actor=world.staff, today=TODAY, rules=tuple(rules) or CHECK_RULES)
    return {r["rule"]: r for r in result.results}


def findings(rule):
    return {f.key: f for f in CheckFinding.objects.filter(rule=rule.name)}


def test_every_rule_has_a_planted_condition():
    assert set(SWITCHES) == set(RULES_BY_NAME)


@pytest.mark.django_db
def test_a_normal_world_gives_no_finding(world):
    results = run(world)
    assert {name: r["found"] for name, r in results.items() if r["found"]} == {}
    assert len(results) == len(CHECK_RULES) and CheckFinding.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("rule", CHECK_RULES, ids=lambda r: r.name)
def test_rule_finds_keeps_clears_resolves_and_reopens(world, rule):
    switch = SWITCHES[rule.name]
    expected = switch(world, True)

    first = run(world, rule)[rule.name]
    found = findings(rule)
    assert set(found) == set(expected), "the rule finds exactly the planted objects"
    assert (first["found"], first["new"]) == (len(expected), len(expected))
    for key, (person_id, claim_id) in expected.items():
        assert (found[key].person_id, found[key].claim_id, found[key].status) == (person_id, claim_id, "open")
        assert describe(rule.name, found[key].detail, today=TODAY)          # says something readable
    ids = {key: f.pk for key, f in found.items()}
    events = Events.objects.filter(pgh_model="oversight.CheckFindingEvent").count()

    again = run(world, rule)[rule.name]
    assert (again["found"], again["new"], again["reopened"]) == (len(expected), 0, 0)
    assert {key: f.pk for key, f in findings(rule).items()} == ids, "a rerun neither duplicates nor loses"
    assert Events.objects.filter(pgh_model="oversight.CheckFindingEvent").count() == events, "nor writes"

    switch(world, False)
    gone = run(world, rule)[rule.name]
    assert (gone["found"], gone["cleared"]) == (0, len(expected))
    assert all(f.status == "open" and f.cleared_at for f in findings(rule).values())

    for f in findings(rule).values():
        check_finding_resolve(finding_id=f.pk, note="已核实并更正数据。", actor=world.staff)
    run(world, rule)
    assert {f.status for f in findings(rule).values()} == {"resolved"}, "the resolution holds"

    switch(world, True)
    back = run(world, rule)[rule.name]
    assert (back["found"], back["new"], back["reopened"]) == (len(expected), 0, len(expected))
    reopened = findings(rule)
    assert {key: f.pk for key, f in reopened.items()} == ids
    assert all((f.status, f.reopened_count, f.cleared_at) == ("open", 1, None) for f in reopened.values())

    first_key = sorted(reopened)[0]
    check_finding_dismiss(finding_id=reopened[first_key].pk, reason="经核实不是问题。", actor=world.staff)
    run(world, rule)
    assert findings(rule)[first_key].status == "dismissed", "a dismissal holds while the condition stays"


@pytest.mark.django_db
def test_paid_after_death_counts_the_days_and_money(world):
    SWITCHES["paid_after_end"](world, True)
    run(world, RULES_BY_NAME["paid_after_end"])
    detail = CheckFinding.objects.get(rule="paid_after_end").detail
    # Paid 1-10 March; died 5 March: 6-10 March, five days at 300.00, were paid after the death.
    assert (detail["days"], detail["amount"], detail["end"]) == (5, "1500.00", "deceased")


@pytest.mark.django_db
def test_engine_recomputes_with_the_subsidy_in_force_each_day(world):
    """A contract amendment raising the subsidy from 5 March: the days before at 300.00, the
    days from it at 320.00 — the decided 3,000.00 now differs from 3,120.00."""
    year = SchemeYear.objects.get(pk=world.year.pk)
    year.daily_subsidy = Decimal("320.00")
    scheme_year_save(scheme_year=year, actor=world.admin, amendment_date=date(2025, 3, 5),
                     amendment_reason="补贴标准调整")
    run(world, RULES_BY_NAME["engine_differs"])
    by_claim = {f.claim_id: f.detail for f in CheckFinding.objects.filter(rule="engine_differs")}
    assert by_claim[world.c1.pk] == {"decided_days": 10, "decided_amount": "3000.00", "days": 10,
                                     "amount": "3120.00", "claim_status": "paid"}   # 4 × 300 + 6 × 320
    assert by_claim[world.c2.pk]["amount"] == "1600.00"                               # 5 × 320, all after


@pytest.mark.django_db
def test_engine_recomputes_a_cover_cut_by_a_later_removal(world):
    from enrollment.models import Policy

    Policy.objects.filter(person=world.p2).update(cover_end=date(2025, 4, 3), end_reason="removal")
    run(world, RULES_BY_NAME["engine_differs"])
    detail = CheckFinding.objects.get(rule="engine_differs").detail
    assert (detail["days"], detail["amount"]) == (3, "900.00")       # 1-3 April still covered


@pytest.mark.django_db
def test_a_couple_sharing_an_account_is_one_household(world):
    from enrollment.models import Person

    Person.objects.filter(pk=world.p1.pk).update(bank_account="6210000011112222", spouse=world.p2)
    Person.objects.filter(pk=world.p2.pk).update(bank_account="6210000011112222")     # linked one way only
    run(world, RULES_BY_NAME["shared_account"])
    assert not CheckFinding.objects.exists()


@pytest.mark.django_db
def test_a_supplementary_list_is_not_the_latest_roster(world):
    from datetime import timedelta

    from enrollment.models import RosterImport

    SWITCHES["missing_from_roster"](world, True)
    RosterImport.objects.create(created_by=world.admin, file_name="补充名单.xlsx", file_sha256="1" * 64, file_size=1,
                                file_kind="xlsx", roster_year=2025, header_row=1, rows_total=2, missing_count=400,
                                status="applied", applied_at=RosterImport.objects.get().applied_at + timedelta(days=1),
                                applied_by=world.admin)
    run(world, RULES_BY_NAME["missing_from_roster"])
    assert CheckFinding.objects.filter(rule="missing_from_roster").count() == 1


@pytest.mark.django_db
def test_handling_needs_words_and_the_right_state(world, officer_a):
    from django.core.exceptions import PermissionDenied

    SWITCHES["long_stay"](world, True)
    run(world, RULES_BY_NAME["long_stay"])
    finding = CheckFinding.objects.get()
    with pytest.raises(RuleViolation, match="至少4个字"):
        check_finding_resolve(finding_id=finding.pk, note="好", actor=world.staff)
    with pytest.raises(PermissionDenied):
        check_finding_resolve(finding_id=finding.pk, note="已核实并处理。", actor=officer_a)
    finding.refresh_from_db()
    assert (finding.status, finding.note, finding.handled_by) == ("open", "", None)
    check_finding_dismiss(finding_id=finding.pk, reason="已核实确为住院。", actor=world.staff)
    with pytest.raises(RuleViolation, match="当前状态为“已排除”"):
        check_finding_resolve(finding_id=finding.pk, note="已核实并处理。", actor=world.staff)


def found_now(world, *names) -> dict[str, set[str]]:
    """Run the named rules; the keys each finds that are still present."""
    run(world, *(RULES_BY_NAME[n] for n in names))
    return {n: set(CheckFinding.objects.filter(rule=n, status="open", cleared_at__isnull=True)
                   .values_list("key", flat=True)) for n in names}


@pytest.mark.django_db
def test_a_late_death_is_found_until_a_supplementary_decision_settles_it(world):
    """A death recorded after payment, dated inside the paid stay: the days after it are found
    (overpaid); the insurer's supplementary decision (补充核定) gives them back, and the checks
    no longer find anything — nor take the recovery for a payment that differs."""
    from claims.services import claim_supplement
    from enrollment.services import person_update

    person = world.p1
    person.refresh_from_db()
    person_update(person_id=person.pk, version=person.version, actor=world.admin, today=TODAY,
                  changes={"status": "deceased", "status_date": date(2025, 3, 5)})
    rules = ("paid_after_end", "engine_differs", "paid_not_decided", "cap_overrun")
    key = f"claim:{world.c1.pk}"
    assert found_now(world, *rules) == {"paid_after_end": {key}, "engine_differs": {key}, "paid_not_decided": set(),
                                        "cap_overrun": set()}
    supplement = claim_supplement(claim_id=world.c1.pk, actor=world.insurer_user, today=TODAY)
    assert (supplement.days_difference, supplement.amount_difference) == (-5, Decimal("-1500.00"))
    assert found_now(world, *rules) == {name: set() for name in rules}


@pytest.mark.django_db
def test_an_amendment_supplemented_before_payment_is_paid_with_it(world):
    """The subsidy raised from 2 April: the decided, unpaid claim of 1-5 April is found; a
    supplementary decision adds the difference; the payment of decision plus supplement is
    what the check expects."""
    from claims.services import claim_supplement, payment_record

    year = SchemeYear.objects.get(pk=world.year.pk)
    year.daily_subsidy = Decimal("320.00")
    scheme_year_save(scheme_year=year, actor=world.admin, amendment_date=date(2025, 4, 2), amendment_reason="补贴标准调整")
    key = f"claim:{world.c2.pk}"
    assert found_now(world, "engine_differs")["engine_differs"] == {key}
    supplement = claim_supplement(claim_id=world.c2.pk, actor=world.insurer_user, today=TODAY)
    assert supplement.amount_difference == Decimal("80.00")                     # 4 days × 20.00
    payment_record(claim_id=world.c2.pk, paid_on=TODAY, amount=Decimal("1580.00"), bank_reference="ZH002",
                   actor=world.insurer_user, today=TODAY)
    assert found_now(world, "engine_differs", "paid_not_decided") == {"engine_differs": set(),
                                                                      "paid_not_decided": set()}


@pytest.mark.django_db
def test_a_death_the_importer_proposed_and_the_clerk_did_not_record_is_found(world, tmp_path):
    """Through the real importer: the file's death rows (the preview's 死亡 group) whose persons
    are still active here are found, whether the clerk left the group unticked or chose 暂不处理;
    recording the death clears the finding. The check reads the rows' kind, not message text."""
    from enrollment.models import PersonStatus, RosterRow
    from enrollment.services import RowChoice, person_update, roster_import_apply, roster_import_preview, \
        roster_rows_choose

    def line(person, status="", died=""):
        return (f"{person.name},{person.id_number},{person.street.name},死亡特扶,{person.phone},{status},{died}\n")

    path = tmp_path / "2025年花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别,联系电话,状态,死亡日期\n" + line(world.p1)
                    + line(world.p2, "已死亡") + line(world.p3, "已死亡", "2025-05-01"), encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2025, actor=world.admin, today=TODAY)
    deaths = {r.person_id: r for r in RosterRow.objects.filter(roster_import=ri, kind="death")}
    assert set(deaths) == {world.p2.pk, world.p3.pk}
    roster_rows_choose(roster_import_id=ri.pk, actor=world.admin, today=TODAY,
                       choices=[RowChoice(deaths[world.p2.pk].pk, leave=True)])          # 暂不处理
    roster_import_apply(roster_import_id=ri.pk, actor=world.admin, kinds={"changed"}, skip_errors=False)

    run(world, RULES_BY_NAME["roster_dead_active"])
    said = {f.person_id: describe(f.rule, f.detail, today=TODAY)
            for f in CheckFinding.objects.filter(rule="roster_dead_active", status="open")}
    assert said == {world.p2.pk: "2025年花名册第3行标注死亡（文件未写日期）；本系统仍为在册",
                    world.p3.pk: "2025年花名册第4行标注死亡（2025-05-01）；本系统仍为在册"}

    p3 = world.p3
    p3.refresh_from_db()
    person_update(person_id=p3.pk, version=p3.version, actor=world.admin,
                  changes={"status": PersonStatus.DECEASED, "status_date": date(2025, 5, 1)})
    run(world, RULES_BY_NAME["roster_dead_active"])
    assert set(CheckFinding.objects.filter(rule="roster_dead_active", cleared_at__isnull=True)
               .values_list("person_id", flat=True)) == {world.p2.pk}
