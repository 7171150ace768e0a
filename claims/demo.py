"""A year of demonstration claims in every state, through the real services: a person who
reaches the 90-day cap, a stay crossing the year end, a death in hospital, overdue work.

Each step happens at the time it would have: the report a few days after discharge, the
documents the same morning, acceptance, decision and payment a few working days apart within
the insurer's deadlines (core.demo_clock), so timelines and report dates agree. Claims that
ended months ago are settled; open ones are recent. The documents are sample scans and photos
with Chinese names (claims/demo_documents.py)."""

import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.models import Person, PersonStatus
from enrollment.rules import make_id_number, parse_id_number
from enrollment.services import person_update
from tongzhou_care.core.demo_clock import demo_clock
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.workdays import is_workday

from . import demo_documents as papers
from . import services
from .models import ClaimDocument, ClaimStatus
from .rules import add_working_days
from .selectors import documents_status

HOSPITALS = ("北京潞河医院", "通州区中西医结合医院", "北京友谊医院通州院区", "通州区妇幼保健院", "北京胸科医院")
DIAGNOSES = ("肺炎", "脑梗死", "冠心病", "髋部骨折", "慢性阻塞性肺疾病急性加重", "2型糖尿病", "高血压病3级")
BANK = "北京农商银行"
SETTLED = [ClaimStatus.PAID] * 10 + [ClaimStatus.REFUSED, ClaimStatus.WITHDRAWN]
OPEN = [ClaimStatus.DOCUMENTS_PENDING, ClaimStatus.ACCEPTED, ClaimStatus.DECIDED, ClaimStatus.APPEALED,
        ClaimStatus.PAID, ClaimStatus.DECIDED, ClaimStatus.ACCEPTED, ClaimStatus.PAID]
FILE_NAMES = {"id_card": "身份证", "discharge_summary": "出院小结", "bank_card": "银行卡",
              "death_certificate": "死亡证明", "heirship": "继承权公证书", "power_of_attorney": "授权委托书",
              "proxy_id": "代办人身份证"}


class Steps:
    """The moments of one claim's steps: each a few working days after the one before, in
    office hours, and never later than now (steps that would be are squeezed in before)."""

    def __init__(self, first: date, rng: random.Random):
        # Ten minutes ago, but not before today began: just after midnight, a claim reported
        # today must not slip back into yesterday (a Sunday, say, when officers do not report).
        today_began = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        self.rng, self.now = rng, max(timezone.now() - timedelta(minutes=10), today_began)
        self.last = self._office_hours(first)

    def _office_hours(self, day: date) -> datetime:
        hour = self.rng.choice((9, 10, 11, 14, 15, 16))
        moment = timezone.make_aware(datetime.combine(day, time(hour, self.rng.randrange(60))))
        return min(moment, self.now)

    def after(self, working_days: int = 0, minutes: int = 0) -> datetime:
        if working_days:
            moment = self._office_hours(add_working_days(self.last.date(), working_days, is_workday=is_workday))
        else:
            moment = self.last + timedelta(minutes=minutes)
        if moment <= self.last or moment > self.now:
            moment = self.last + (self.now - self.last) / 3
        self.last = moment
        return moment


class DemoClaims:
    def __init__(self, *, officers: dict, insurer_user, seed: int = 2026):
        self.officers, self.insurer = officers, insurer_user
        self.rng = random.Random(seed)

    def report(self, person, admitted, discharged, reported_on=None):
        """Report a stay at its report date (a few days after discharge unless given); returns
        the claim and the moments its later steps will take."""
        reported_on = reported_on or (discharged or admitted) + timedelta(days=self.rng.randint(1, 5))
        while not is_workday(reported_on) and reported_on < timezone.localdate():   # officers work on working days
            reported_on += timedelta(days=1)
        officer = self.officers[person.street.code]
        steps = Steps(reported_on, self.rng)
        with demo_clock(steps.last):
            claim = services.claim_report(person=person, actor=officer, today=reported_on, reported_at=steps.last, data={
                "hospital": self.rng.choice(HOSPITALS), "admitted_on": admitted, "discharged_on": discharged,
                "cause": "illness", "diagnosis": self.rng.choice(DIAGNOSES), "reporter_name": officer.full_name,
                "reporter_relation": "专管员", "reporter_phone": "13911112222", "payee_name": person.name,
                "payee_bank": BANK, "payee_account": f"6210{self.rng.randint(10**11, 10**12 - 1)}"})
        claim.steps = steps
        return claim

    # --- the documents a family hands in ----------------------------------------------------
    def _paper(self, claim, kind: str) -> SimpleUploadedFile:
        person = claim.person
        patient = papers.Patient(name=person.name, sex=person.get_sex_display(), birth_date=person.birth_date,
                                 id_number=person.id_number, address=person.address or f"{person.community}")
        if kind == "proxy_id" and claim.payee_id_number:          # the heir who files
            heir = parse_id_number(claim.payee_id_number, today=claim.admitted_on)
            data = papers.id_card(papers.Patient(name=claim.payee_name, sex="男" if heir.sex == "M" else "女",
                                                 birth_date=heir.birth_date, id_number=claim.payee_id_number,
                                                 address=patient.address), self.rng)
            extension = "jpg"
        elif kind in ("id_card", "proxy_id"):
            data, extension = papers.id_card(patient, self.rng), "jpg"
        elif kind == "bank_card":
            data, extension = papers.bank_card(claim.payee_name, claim.payee_bank or BANK, claim.payee_account,
                                               self.rng), "jpg"
        elif kind == "death_certificate":
            data, extension = papers.death_certificate(patient=patient, died=person.status_date,
                                                       hospital=claim.hospital, rng=self.rng), "pdf"
        elif kind == "heirship":
            heir = f"{claim.payee_name}（{claim.payee_relation}）" if claim.payee_relation else claim.payee_name
            data, extension = papers.heirship_certificate(patient=patient, heir=heir, died=person.status_date,
                                                          rng=self.rng), "pdf"
        else:                                  # discharge summary (and anything else: a hospital paper)
            age = claim.admitted_on.year - person.birth_date.year
            data, extension = papers.discharge_summary(
                patient=patient, hospital=claim.hospital, admitted=claim.admitted_on,
                discharged=claim.discharged_on or claim.admitted_on, diagnosis=claim.diagnosis, age=age,
                rng=self.rng), "pdf"
        content_type = "image/jpeg" if extension == "jpg" else "application/pdf"
        return SimpleUploadedFile(f"{FILE_NAMES.get(kind, ClaimDocument.Kind(kind).label)}_{person.name}.{extension}",
                                  data, content_type=content_type)

    def upload(self, claim, kinds, moment):
        with demo_clock(moment):
            services.claim_upload_documents(claim_id=claim.pk, actor=claim.reported_by,
                                            documents=[(kind, self._paper(claim, kind)) for kind in kinds])

    def documents(self, claim, moment):
        self.upload(claim, documents_status(claim)[1], moment)

    # --- the workflow -------------------------------------------------------------------------
    def to(self, claim, state: str):
        """Walk a claim to a state through the real services, each step at its moment."""
        steps, rng = claim.steps, self.rng
        if state == ClaimStatus.REPORTED:
            return claim
        if state == ClaimStatus.DOCUMENTS_PENDING:
            self.upload(claim, ["id_card"], steps.after(minutes=20))
            with demo_clock(steps.after(working_days=1)):
                return services.claim_request_documents(claim_id=claim.pk, actor=self.insurer)[0]
        if state == ClaimStatus.WITHDRAWN:
            with demo_clock(steps.after(working_days=rng.randint(1, 3))):
                return services.claim_withdraw(claim_id=claim.pk, reason="家属表示重复报案", actor=claim.reported_by)
        self.documents(claim, steps.after(minutes=rng.randint(15, 50)))
        if state in (ClaimStatus.REFUSED, ClaimStatus.APPEALED):
            with demo_clock(steps.after(working_days=rng.randint(1, 2))):
                services.claim_refuse(claim_id=claim.pk, code="not_inpatient",
                                      explanation="病历显示为门诊留观，不属于住院", actor=self.insurer)
            if state == ClaimStatus.APPEALED:
                with demo_clock(steps.after(working_days=rng.randint(3, 6))):
                    return services.claim_appeal(claim_id=claim.pk, reason="已补交病房住院证明",
                                                 actor=claim.reported_by)
            with demo_clock(steps.after(working_days=rng.randint(1, 2))):
                return services.claim_mark_notice_sent(claim_id=claim.pk, actor=self.insurer)
        with demo_clock(steps.after(working_days=rng.randint(1, 2))):
            claim = services.claim_accept(claim_id=claim.pk, actor=self.insurer)
        if state == ClaimStatus.ACCEPTED:
            return claim
        with demo_clock(steps.after(working_days=rng.randint(1, 4))):
            claim = services.claim_decide(claim_id=claim.pk, actor=self.insurer)
        if state == ClaimStatus.PAID:
            paid = steps.after(working_days=rng.randint(3, 8))
            with demo_clock(paid):
                services.payment_record(claim_id=claim.pk, paid_on=timezone.localtime(paid).date(),
                                        amount=claim.amount, bank_reference=f"ZH{claim.number[2:]}",
                                        actor=self.insurer, today=timezone.localtime(paid).date())
        return claim

    def load(self, persons: list[Person], today: date, commission_admin) -> int:
        """About a hundred claims over the year so far; returns how many."""
        made = 0
        start = date(today.year, 1, 6)
        # 1. Ordinary claims: those that ended months ago are settled; the latest are still open.
        stays = []
        for person in persons[6:90]:
            admitted = start + timedelta(days=self.rng.randint(0, max((today - start).days - 45, 1)))
            stays.append((admitted, admitted + timedelta(days=self.rng.randint(0, 14)), person))
        stays.sort(key=lambda stay: stay[0])
        recent = len(stays) - len(OPEN)
        for i, (admitted, discharged, person) in enumerate(stays):
            state = OPEN[i - recent] if i >= recent else self.rng.choice(SETTLED)
            self.to(self.report(person, admitted, discharged), state)
            made += 1
        # 2. Waiting on the insurer, some past their working-day deadline (overdue on home pages).
        for person, days_ago in zip(persons[90:96], (3, 6, 9, 20, 25, 1)):
            discharged = today - timedelta(days=days_ago + 2)
            claim = self.report(person, discharged - timedelta(days=7), discharged, reported_on=today - timedelta(days=days_ago))
            self.documents(claim, claim.steps.after(minutes=30))
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
        claim = self.report(persons[1], date(today.year - 1, 12, 27), date(today.year, 1, 4))
        self.to(claim, ClaimStatus.PAID)
        made += 1
        # 5. A death in hospital: the days before death are paid to an heir, once the death
        #    certificate, the proof of heirship and the heir's ID are in.
        died = persons[2]
        admitted = start + timedelta(days=100)
        claim = self.report(died, admitted, admitted + timedelta(days=9))
        died.refresh_from_db()
        steps = claim.steps
        with demo_clock(steps.after(minutes=5)):
            person_update(person_id=died.pk, version=died.version, actor=commission_admin,
                          today=admitted + timedelta(days=9),
                          changes={"status": PersonStatus.DECEASED, "status_date": admitted + timedelta(days=9)})
        with demo_clock(steps.after(minutes=10)):
            services.claim_set_payee(claim_id=claim.pk, payee_name="王建国", payee_relation="兄弟姐妹",
                                     payee_id_number=make_id_number("110112", date(1952, 5, 17), 31),
                                     payee_bank=BANK, payee_account=f"6210{self.rng.randint(10**11, 10**12 - 1)}",
                                     actor=claim.reported_by, today=timezone.localtime(steps.last).date())
        claim.refresh_from_db()
        claim.steps = steps
        self.to(claim, ClaimStatus.PAID)
        made += 1
        return made


def load_demo(demo) -> None:
    """The demo_data command's claims step (ClaimsConfig.demo_data_steps)."""
    persons = list(Person.objects.filter(status=PersonStatus.ACTIVE, policies__isnull=False)
                   .select_related("street").distinct().order_by("pk"))[5:]
    made = DemoClaims(officers=demo.officers, insurer_user=demo.users["insurer"]).load(
        persons, demo.today, demo.users["admin"])
    demo.say(f"理赔：{made} 件，各种状态都有。")
