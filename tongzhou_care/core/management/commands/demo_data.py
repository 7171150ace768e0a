"""Load demonstration data once: users of every role, then each installed app's own steps
(persons and scheme years, claims, oversight records: their AppConfig's demo_data_steps, see
core/demo.py), so this command names no app.

Refused unless the settings allow demo data (never in production). The demo password is
generated at the first run, set on every demo user and written to --logins-file, which
scripts/run prints.
"""

import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tongzhou_care.core.demo import DemoContext
from tongzhou_care.core.models import Insurer, Role, Street, User
from tongzhou_care.core.services import insurer_save, user_save

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
            steps = [step for config in apps.get_app_configs()
                     for step in getattr(config, "demo_data_steps", lambda: [])()]
            if not loaded:
                self.stdout.write(f"1/{len(steps) + 1} 用户……")
            users = self._users(password)
            if not loaded:
                demo = DemoContext(users=users, today=timezone.localdate(), seed=seed, say=self.stdout.write)
                for number, (title, load) in enumerate(steps, start=2):
                    self.stdout.write(f"{number}/{len(steps) + 1} {title}……")
                    load(demo)
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
        # Officers' work phones (printed on the publicity notices): 010-6954 and the street code.
        phones = {f"officer{street.code[6:9]}": f"010-6954{street.code[6:9]}1" for street in Street.objects.all()}
        # One hash for the one demo password: Argon2 costs about half a second a hash, by design.
        hashed, now = make_password(password), timezone.now()
        users = {}
        for username, full_name, role, street, ins in specs:
            user = User.objects.filter(username=username).first() or User(username=username)
            user.full_name, user.role, user.street, user.insurer = full_name, role, street, ins
            user.phone = phones.get(username, "")
            user.password, user.password_changed_at = hashed, now
            users[username] = user_save(user=user, actor=None)
        return users

    def _logins_text(self, users, password, url) -> str:
        lines = [f"演示用户（登录地址 {url}/login/）", f"密码（所有演示用户）：{password}", ""]
        for username, user in users.items():
            lines.append(f"  {username:<12} {user.role_label}{' · ' + user.street.name if user.street else ''}")
        days = settings.TWO_FACTOR_GRACE_DAYS
        lines += ["", f"双因素认证：首次登录后 {days} 天内可暂不启用（TWO_FACTOR_GRACE_DAYS）；"
                      "页面顶部的提示可随时启用（用手机身份验证器扫描二维码）。" if days else
                  "双因素认证：首次登录时须用手机身份验证器扫描二维码启用（TWO_FACTOR_GRACE_DAYS=0）。"]
        return "\n".join(lines) + "\n"
