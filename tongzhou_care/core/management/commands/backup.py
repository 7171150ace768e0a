"""Back up the database and the uploaded files into one folder with a manifest of checksums
(core/backup.py, docs/deploy.md "Backups"). `scripts/backup` calls this.

    manage.py backup /var/backups/tongzhou_care [--keep-days 35]
"""

import os

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongzhou_care.core.backup import BackupError, Database, backup


class Command(BaseCommand):
    help = "备份数据库和上传文件（含校验清单）。"

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help="备份存放的文件夹，每次备份在其中新建一个子文件夹")
        parser.add_argument("--keep-days", type=int, default=int(os.environ.get("BACKUP_KEEP_DAYS", 0)),
                            help="备份成功后删除该文件夹中超过这么多天的旧备份（默认 BACKUP_KEEP_DAYS，0 为全部保留）")

    def handle(self, *args, dest: Path, keep_days: int, **options):
        try:
            folder = backup(dest.resolve(), database=Database.from_settings(settings.DATABASES["default"]),
                            media_root=Path(settings.MEDIA_ROOT), project=Path(settings.BASE_DIR),
                            keep_days=keep_days, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # The last line is the folder alone, for scripts that keep or copy it.
        self.stdout.write(str(folder))
