"""Restore a backup of `manage.py backup` into an empty database (DATABASE_URL) and an empty
media folder (MEDIA_ROOT), verifying every checksum and row count (core/backup.py).
`scripts/restore` calls this.

    manage.py restore /var/backups/tongzhou_care/tongzhou_care-20261129-020000
    manage.py restore --verify-only FOLDER    # check the backup's checksums, restore nothing
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongzhou_care.core.backup import BackupError, Database, restore, verify_backup


class Command(BaseCommand):
    help = "把备份恢复到空数据库和空的上传文件夹，并校验。"

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="一次备份的文件夹（含 SHA256SUMS）")
        parser.add_argument("--verify-only", action="store_true", help="只校验备份文件，不恢复")
        parser.add_argument("--no-privileges", action="store_true",
                            help="不恢复授权（目标库没有备份中授权的角色时用，恢复后按新装重新授权）")

    def handle(self, *args, folder: Path, verify_only: bool, no_privileges: bool, **options):
        try:
            if verify_only:
                manifest = verify_backup(folder)
                self.stdout.write(f"备份完好：{manifest['created_at']}，{len(manifest['tables'])} 张表，"
                                  f"{len(manifest['media'])} 个文件。")
                return
            manifest = restore(folder, database=Database.from_settings(settings.DATABASES["default"]),
                               media_root=Path(settings.MEDIA_ROOT), no_privileges=no_privileges,
                               progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"备份时代码版本 {manifest['code'] or '未知'}；若当前代码更新，请运行 manage.py migrate。")
