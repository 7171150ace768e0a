"""Load demonstration data once: users of every role and a few hundred persons.

Refused unless the settings allow demo data (never in production). The demo password is
generated at the first run, set on every demo user and written to --logins-file, which
scripts/run prints.
"""

import secrets
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from enrollment.models import Person, PersonStatus, SchemeYear
from enrollment.rules import SUBSIDY_FLOOR, default_coverage_end
from enrollment.sample_roster import build_sample_roster, write_xlsx
from enrollment.services import (
    person_update,
    policies_issue,
    roster_import_apply,
    roster_import_preview,
    scheme_year_save,
)
from tongzhou_care.core.models import Insurer, Role, Street, User
from tongzhou_care.core.services import insurer_save, user_save

PERSONS_PER_STREET = (8, 30)  # min, max: a few hundred in all, unevenly spread
DEMO_INSURER = "中国人寿保险股份有限公司北京市分公司"


class Command(BaseCommand):
    help = "Load demonstration data once (users of every role, persons in every street)."

    def add_arguments(self, parser):
        parser.add_argument("--logins-file", type=Path, default=None,
                            help="where to write the demo logins (default: print only)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the address the demo is served at")

    def handle(self, *args, logins_file: Path | None, seed: int, url: str, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("演示数据只能在开发环境加载（DEMO_DATA_ALLOWED）。")
        password = self._password(logins_file)
        with transaction.atomic():
            loaded = User.objects.filter(username="admin").exists()
            if not loaded:
                self.stdout.write("1/5 用户……")
            users = self._users(password)
            if not loaded:
                self.stdout.write("2/5 花名册导入（参保对象）……")
                self._persons(users["admin"], seed)
                self.stdout.write("3/5 保险年度、保单和增减员……")
                self._scheme_year(users["admin"], users["insurer"].insurer)
                self.stdout.write("4/5 一年的理赔和材料……")
                self._claims(users)
                self.stdout.write("5/5 服务台账、投诉、满意度调查和培训……")
                self._oversight(users)
                self.stdout.write(self.style.SUCCESS("演示数据已加载。"))
            else:
                self.stdout.write("演示数据此前已加载，未重复加载。")
        text = self._logins_text(users, password, url)
        if logins_file:
            logins_file.parent.mkdir(parents=True, exist_ok=True)
            logins_file.write_text(text, encoding="utf-8")
            logins_file.chmod(0o600)
        else:
            self.stdout.write(text)

    def _password(self, logins_file):
        if logins_file and logins_file.exists():
            for line in logins_file.read_text(encoding="utf-8").splitlines():
                if line.startswith("密码（所有演示用户）："):
                    return line.split("：", 1)[1].strip()
        # 3 character classes and 12+ characters, as the password rules ask.
        return "Tz-" + secrets.token_hex(3) + "-Demo" + secrets.token_hex(2).upper()

    def _users(self, password) -> dict[str, User]:
        insurer = Insurer.objects.filter(name=DEMO_INSURER).first()
        if insurer is None:
            insurer = insurer_save(insurer=Insurer(name=DEMO_INSURER, hotline="95519"), actor=None)
        specs = [
            ("admin", "区卫健委管理员（演示）", Role.COMMISSION_ADMIN, None, None),
            ("staff", "区卫健委工作人员（演示）", Role.COMMISSION_STAFF, None, None),
            ("insurer", "保险公司经办人（演示）", Role.INSURER_STAFF, None, insurer),
            ("finance", "区财政局（演示）", Role.FINANCE, None, None),
        ] + [
            (f"officer{street.code[6:9]}", f"{street.name}专管员（演示）", Role.STREET_OFFICER, street, None)
            for street in Street.objects.order_by("code")
        ]
        # One hash for the one demo password: Argon2 costs about half a second a hash, by design.
        hashed, now = make_password(password), timezone.now()
        users = {}
        for username, full_name, role, street, ins in specs:
            user = User.objects.filter(username=username).first() or User(username=username)
            user.full_name, user.role, user.street, user.insurer = full_name, role, street, ins
            user.password, user.password_changed_at = hashed, now
            users[username] = user_save(user=user, actor=None)
        return users

    def _persons(self, actor, seed):
        """Through the real importer, from a generated 奖扶特扶-style roster file."""
        year = timezone.localdate().year
        roster = build_sample_roster(year, list(Street.objects.order_by("code").values_list("name", flat=True)),
                                     seed=seed, per_street=PERSONS_PER_STREET)
        ri = self._import(roster, actor, f"通州区{year}年度特扶花名册.xlsx")
        self.stdout.write(f"花名册导入：新增 {ri.new_count} 人，跳过其他类别 {ri.skipped_count} 人。")

    def _import(self, roster, actor, file_name):
        with tempfile.TemporaryDirectory() as folder:
            path = write_xlsx(Path(folder) / file_name, roster)
            ri = roster_import_preview(path=path, file_name=file_name, roster_year=roster.year, actor=actor)
        return roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds={"new"}, skip_errors=False)

    def _scheme_year(self, actor, insurer):
        """Last year's and this year's scheme years, their policies from the start, and a few
        mid-year changes: two deaths, one removal, two persons added after the start."""
        today = timezone.localdate()
        # (year, contract number suffix, tender day, premium): last year's contract and this year's.
        for year_number, contract, tendered, premium in ((today.year - 1, "009", date(today.year - 2, 11, 20), "260.00"),
                                                          (today.year, "017", date(today.year - 1, 11, 28), "268.00")):
            start = date(year_number, 1, 1)
            year = scheme_year_save(actor=actor, scheme_year=SchemeYear(
                name=f"{year_number}年度", insurer=insurer, contract_number=f"TZWJW-{year_number}-ZFCG-{contract}",
                tender_date=tendered, coverage_start=start, coverage_end=default_coverage_end(start),
                premium_per_person=Decimal(premium), daily_subsidy=SUBSIDY_FLOOR))
            policies_issue(scheme_year_id=year.pk, actor=actor, today=start)
        people = list(Person.objects.filter(status=PersonStatus.ACTIVE).order_by("pk")[:3])
        day = min(today, start + timedelta(days=120))
        statuses = [PersonStatus.DECEASED, PersonStatus.DECEASED, PersonStatus.REMOVED]
        for weeks_earlier, (person, status) in enumerate(zip(people, statuses)):
            changes = {"status": status, "status_date": day - timedelta(days=7 * weeks_earlier)}
            if status == PersonStatus.REMOVED:
                changes["removal_reason"] = "户籍迁出本市"
            person_update(person_id=person.pk, version=person.version, changes=changes, actor=actor,
                          today=day)
        # A supplementary roster (补充名单) of newly eligible persons, through the importer; its
        # apply adds their policies from the day after the insurer is told.
        supplement = build_sample_roster(today.year, ["中仓街道", "宋庄镇"], seed=8, per_street=(1, 1),
                                         other_categories=0)
        self._import(supplement, actor, f"通州区{today.year}年度特扶补充名单.xlsx")
        self.stdout.write(f"保险年度：{year.name}，保单 {year.policies.count()} 份，增减员 {year.changes.count()} 项。")

    def _claims(self, users):
        from claims.demo import DemoClaims

        officers = {u.street.code: u for u in users.values() if u.street_id}
        persons = list(Person.objects.filter(status=PersonStatus.ACTIVE, policies__isnull=False)
                       .select_related("street").distinct().order_by("pk"))[5:]
        made = DemoClaims(officers=officers, insurer_user=users["insurer"]).load(
            persons, timezone.localdate(), users["admin"])
        self.stdout.write(f"理赔：{made} 件，各种状态都有。")

    def _oversight(self, users):
        from oversight.demo import complaints, service_log, surveys, training
        from oversight.demo.checks import load_checks
        from oversight.demo.inspections import load_inspections

        today = timezone.localdate()
        officers = {u.street.code: u for u in users.values() if u.street_id}
        self.stdout.write(f"服务台账：{service_log.load(officers, today)} 条；投诉：{complaints.load(users, today)} 件；"
                          f"满意度调查已完成 {surveys.load(users, today)} 项；业务培训：{training.load(users, today)} 次。")
        findings = load_inspections(staff=users["staff"], officer=users["officer001"], insurer_user=users["insurer"],
                                    today=today)
        checks = load_checks(staff=users["staff"], admin=users["admin"], officers=officers, today=today)
        self.stdout.write(f"巡查：2 次，问题 {findings} 个，各种状态都有；数据核查发现 {checks} 条。")

    def _logins_text(self, users, password, url) -> str:
        lines = [f"演示用户（登录地址 {url}/login/）", f"密码（所有演示用户）：{password}", ""]
        for username, user in users.items():
            lines.append(f"  {username:<12} {user.role_label}{' · ' + user.street.name if user.street else ''}")
        return "\n".join(lines) + "\n"
