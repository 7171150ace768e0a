"""Demonstration data checks: a few conditions planted through the real services (a death
recorded late, one account used by two households, a long stay), one run of every check,
then some findings handled: one resolved after the data was corrected, two dismissed."""

from datetime import date, timedelta

from claims.models import Claim, ClaimStatus
from enrollment.models import Person, PersonStatus
from enrollment.services import person_update

from ..models.checks import CheckFinding
from ..services.checks import check_finding_dismiss, check_finding_resolve, checks_run


def load_checks(*, staff, admin, officers: dict, today: date) -> int:
    """Returns the number of findings after the run and the handling."""
    from claims.demo import DemoClaims

    # 1. A death recorded after the claim was paid, dated inside the stay: days paid after it.
    paid = (Claim.objects.filter(status=ClaimStatus.PAID, person__status=PersonStatus.ACTIVE,
                                 days_payable__gte=5, portions__isnull=False)
            .select_related("person").order_by("pk").first())
    if paid is not None:
        person = paid.person
        person_update(person_id=person.pk, version=person.version, actor=admin, today=today, changes={
            "status": PersonStatus.DECEASED, "status_date": paid.admitted_on + timedelta(days=2)})
    # 2. One bank account given for two persons of different households.
    pair = list(Person.objects.filter(status=PersonStatus.ACTIVE, spouse__isnull=True).order_by("-pk")[:2])
    for person in pair:
        person_update(person_id=person.pk, version=person.version, actor=admin, today=today,
                      changes={"bank_name": "北京农商银行", "bank_account": "6210 8600 0012 3456"})
    # 3. A stay of 75 days.
    quiet = (Person.objects.filter(status=PersonStatus.ACTIVE, claims__isnull=True, policies__isnull=False)
             .select_related("street").order_by("pk").distinct()[3])
    DemoClaims(officers=officers, insurer_user=None).report(quiet, today - timedelta(days=100), today - timedelta(days=25))

    checks_run(actor=staff, today=today)
    # The account was a typing error: corrected, then resolved (a rerun leaves it resolved).
    if pair:
        person = Person.objects.get(pk=pair[1].pk)
        person_update(person_id=person.pk, version=person.version, actor=admin, today=today,
                      changes={"bank_account": "6210 8600 0012 9876"})
        for finding in CheckFinding.objects.filter(rule="shared_account").order_by("pk"):
            check_finding_resolve(finding_id=finding.pk, actor=staff,
                                  note="经核实为录入错误，已按银行卡复印件更正其中一人的账号。")
    for finding in CheckFinding.objects.filter(rule="woman_under_49").order_by("pk")[:2]:
        check_finding_dismiss(finding_id=finding.pk, actor=staff,
                              reason="经核实，市奖扶特扶系统中的开始享受日期为补录日期，实际符合年龄条件。")
    checks_run(actor=staff, today=today)
    return CheckFinding.objects.count()
