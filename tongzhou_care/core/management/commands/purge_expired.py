"""Delete what has passed its retention period (core/retention.py, docs/deploy.md "Retention").

    manage.py purge_expired --user admin    # queue the purge job for the workers (nightly timer)
    manage.py purge_expired --dry-run       # what is due today, per kind; deletes nothing
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongzhou_care.core.models import User
from tongzhou_care.core.retention import due_counts, labels, period_text, retention_periods, retention_purge_queue


class Command(BaseCommand):
    help = "按保存期限清理到期数据（排入后台任务队列）。"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="以哪个用户的名义清理（审计记录中的操作人），例如 admin")
        parser.add_argument("--dry-run", action="store_true", help="只列出今天到期的数量，不删除")

    def handle(self, *args, user: str | None, dry_run: bool, **options):
        if dry_run:
            periods = retention_periods()
            for kind, n in due_counts(today=timezone.localdate(), periods=periods).items():
                label, unit = labels()[kind]
                self.stdout.write(f"{label}（{period_text(kind, periods)}）：到期 {n} {unit}")
            return
        if not user:
            raise CommandError("请用 --user 指定操作人（审计记录需要），或用 --dry-run 只查看。")
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise CommandError(f"用户 {user} 不存在或已停用。")
        job = retention_purge_queue(actor=actor)
        self.stdout.write(f"清理任务已排队（任务编号 {job.pk}），由后台进程执行；结果见该用户的“后台任务”。")
