"""A year of demonstration service log entries, through the real service: most persons of each
street contacted once or more, some only last year (they show as not contacted), and a filing
entry for each paid claim."""

import random
from datetime import date, timedelta

from claims.models import Claim, ClaimStatus
from enrollment.models import Person, PersonStatus

from ..models.service_log import ServiceKind
from ..services.service_log import service_entry_record

NOTES = {
    ServiceKind.HOME_VISIT: ("上门看望，了解身体状况", "上门送达保险凭证并讲解理赔流程", "节日慰问"),
    ServiceKind.GREEN_CHANNEL: ("联系医院开具诊断证明", "代取出院小结", "协调住院床位"),
    ServiceKind.FILING_HELP: ("代为报案", "代交理赔材料", "协助办理银行卡"),
    ServiceKind.PHONE_FOLLOW_UP: ("电话询问近况", "电话提醒出院后及时报案", "电话回访理赔到账情况"),
    ServiceKind.PUBLICITY: ("发放宣传告知书", "讲解住院护理补贴政策"),
    ServiceKind.OTHER: ("协助办理其他事项",),
}
KINDS = [ServiceKind.PHONE_FOLLOW_UP] * 4 + [ServiceKind.HOME_VISIT] * 3 + [
    ServiceKind.PUBLICITY, ServiceKind.GREEN_CHANNEL, ServiceKind.OTHER]


def load(officers: dict, today: date, seed: int = 2026) -> int:
    """Entries over the last year for about four in five persons; returns how many."""
    rng = random.Random(seed)
    made = 0
    persons = Person.objects.filter(status=PersonStatus.ACTIVE).select_related("street").order_by("pk")
    for person in persons:
        if rng.random() < 0.2:
            continue        # never contacted: on the not-contacted list
        officer = officers[person.street.code]
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(KINDS)
            service_entry_record(person_id=person.pk, kind=kind, served_on=today - timedelta(days=rng.randint(0, 360)),
                                 note=rng.choice(NOTES[kind]), actor=officer, today=today)
            made += 1
    for claim in Claim.objects.filter(status=ClaimStatus.PAID).select_related("person__street").order_by("pk"):
        reported_on = claim.reported_at.date()
        if (today - reported_on).days <= 360:
            service_entry_record(person_id=claim.person_id, kind=ServiceKind.FILING_HELP, served_on=reported_on,
                                 note="代为报案并收集理赔材料", claim_id=claim.pk,
                                 actor=officers[claim.person.street.code], today=today)
            made += 1
    return made
