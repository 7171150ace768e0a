"""A year of demonstration claims in every state, through the real services: a person who
reaches the 90-day cap, a stay crossing the year end, a death in hospital, overdue work."""

import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.models import Person, PersonStatus
from enrollment.rules import make_id_number
from enrollment.services import person_update
from tongzhou_care.core.rules import RuleViolation

from . import services
from .models import ClaimStatus
from .selectors import documents_status

HOSPITALS = ("北京潞河医院", "通州区中西医结合医院", "北京友谊医院通州院区", "通州区妇幼保健院", "北京胸科医院")
DIAGNOSES = ("肺炎", "脑梗死", "冠心病", "髋部骨折", "慢性阻塞性肺疾病急性加重", "糖尿病", "高血压病")
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _scan(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SCAN, content_type="application/pdf")


def _at(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


class DemoClaims:
    def __init__(self, *, officers: dict, insurer_user, seed: int = 2026):
        self.officers, self.insurer = officers, insurer_user
        self.rng = random.Random(seed)

    def report(self, person, admitted, discharged, reported_on=None):
        reported_on = reported_on or (discharged or admitted) + timedelta(days=self.rng.randint(1, 5))
        officer = self.officers[person.street.code]
        return services.claim_report(person=person, actor=officer, today=reported_on,
                                     reported_at=_at(reported_on), data={
                                         "hospital": self.rng.choice(HOSPITALS), "admitted_on": admitted,
                                         "discharged_on": discharged, "cause": "illness",
                                         "diagnosis": self.rng.choice(DIAGNOSES), "reporter_name": officer.full_name,
                                         "reporter_relation": "专管员", "reporter_phone": "13911112222",
                                         "payee_name": person.name, "payee_bank": "北京农商银行",
                                         "payee_account": f"6210{self.rng.randint(10**11, 10**12 - 1)}"})

    def documents(self, claim):
        services.claim_upload_documents(claim_id=claim.pk, actor=claim.reported_by, documents=[
            (kind, _scan(f"{kind}.pdf")) for kind in documents_status(claim)[0]])

    def to(self, claim, state: str, paid_on: date | None = None):
        """Walk a claim to a state through the real services."""
        if state == ClaimStatus.REPORTED:
            return claim
        if state == ClaimStatus.DOCUMENTS_PENDING:
            services.claim_upload_documents(claim_id=claim.pk, documents=[("id_card", _scan("身份证.pdf"))],
                                            actor=claim.reported_by)
            return services.claim_request_documents(claim_id=claim.pk, actor=self.insurer)[0]
        if state == ClaimStatus.WITHDRAWN:
            return services.claim_withdraw(claim_id=claim.pk, reason="家属表示重复报案", actor=claim.reported_by)
        self.documents(claim)
        if state in (ClaimStatus.REFUSED, ClaimStatus.APPEALED):
            services.claim_refuse(claim_id=claim.pk, code="not_inpatient",
                                  explanation="病历显示为门诊留观，不属于住院", actor=self.insurer)
            if state == ClaimStatus.APPEALED:
                return services.claim_appeal(claim_id=claim.pk, reason="已补交病房住院证明", actor=claim.reported_by)
            return services.claim_mark_notice_sent(claim_id=claim.pk, actor=self.insurer)
        claim = services.claim_accept(claim_id=claim.pk, actor=self.insurer)
        if state == ClaimStatus.ACCEPTED:
            return claim
        claim = services.claim_decide(claim_id=claim.pk, actor=self.insurer)
        if state == ClaimStatus.PAID:
            services.payment_record(claim_id=claim.pk, paid_on=paid_on or claim.discharged_on + timedelta(days=12),
                                    amount=claim.amount, bank_reference=f"ZH{claim.number[2:]}",
                                    actor=self.insurer, today=timezone.localdate())
        return claim

    def load(self, persons: list[Person], today: date, commission_admin) -> int:
        """About a hundred claims over the year so far; returns how many."""
        made = 0
        states = ([ClaimStatus.PAID] * 10 + [ClaimStatus.DECIDED] * 2 + [ClaimStatus.ACCEPTED, ClaimStatus.REFUSED,
                  ClaimStatus.WITHDRAWN, ClaimStatus.DOCUMENTS_PENDING, ClaimStatus.APPEALED])
        start = date(today.year, 1, 6)
        # 1. Ordinary claims, in every state, older ones settled.
        for i, person in enumerate(persons[6:90]):
            admitted = start + timedelta(days=self.rng.randint(0, max((today - start).days - 45, 1)))
            discharged = admitted + timedelta(days=self.rng.randint(0, 14))
            claim = self.report(person, admitted, discharged)
            self.to(claim, self.rng.choice(states))
            made += 1
        # 2. Waiting on the insurer, some past their working-day deadline (overdue on home pages).
        for person, days_ago in zip(persons[90:96], (3, 6, 9, 20, 25, 1)):
            discharged = today - timedelta(days=days_ago + 2)
            self.report(person, discharged - timedelta(days=7), discharged, reported_on=today - timedelta(days=days_ago))
            made += 1
        self.report(persons[96], today - timedelta(days=4), None, reported_on=today - timedelta(days=2))  # in hospital
        made += 1
        # 3. A person who reaches the 90-day cap: four long stays, the last paid in part.
        capped = persons[0]
        for k in range(4):
            admitted = start + timedelta(days=40 * k)
            try:
                claim = self.report(capped, admitted, admitted + timedelta(days=26))
                self.to(claim, ClaimStatus.PAID)
                made += 1
            except RuleViolation:
                break
        # 4. A stay crossing the year end, split between the two scheme years.
        crossing = persons[1]
        claim = self.report(crossing, date(today.year - 1, 12, 27), date(today.year, 1, 4))
        self.to(claim, ClaimStatus.PAID)
        made += 1
        # 5. A death in hospital: the days before death are paid to an heir.
        died = persons[2]
        admitted = start + timedelta(days=100)
        claim = self.report(died, admitted, admitted + timedelta(days=9))
        died.refresh_from_db()
        person_update(person_id=died.pk, version=died.version, actor=commission_admin, today=admitted + timedelta(days=9),
                      changes={"status": PersonStatus.DECEASED, "status_date": admitted + timedelta(days=9)})
        heir_birth = date(1952, 5, 17)
        services.claim_set_payee(claim_id=claim.pk, payee_name="王建国", payee_relation="兄弟姐妹",
                                 payee_id_number=make_id_number("110112", heir_birth, 31),
                                 payee_bank="北京农商银行", payee_account=f"6210{self.rng.randint(10**11, 10**12 - 1)}",
                                 actor=claim.reported_by, today=today)
        claim.refresh_from_db()
        self.to(claim, ClaimStatus.PAID)
        made += 1
        return made


