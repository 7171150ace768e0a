"""Import a roster file from the command line: the same preview and apply as the browser.

    manage.py import_roster 花名册.xlsx --year 2026 --user admin            # preview only
    manage.py import_roster 花名册.xlsx --year 2026 --user admin --apply new,changed
    manage.py import_roster ... --apply new,changed,death,removal,missing --removal-date 2026-01-05 \
        --removal-reason "未列入2026年度花名册" [--skip-errors] [--report errors.xlsx]
    manage.py import_roster ... --close      # a file with no changes: closed as 无变动

Deaths and removals the file gives no date for need one, which only the preview page takes.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enrollment.exports import write_error_report
from enrollment.roster_files import RosterFileError
from enrollment.selectors import roster_import_rows, roster_import_unimported
from enrollment.services import roster_import_apply, roster_import_close, roster_import_preview
from tongzhou_care.core.models import AccessLog, User
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.rules import RuleViolation


class Command(BaseCommand):
    help = "预览并（可选）导入花名册文件（.xlsx/.xls/.csv）。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True, help="花名册年度")
        parser.add_argument("--user", required=True, help="以哪个用户的名义导入（须有导入权限）")
        parser.add_argument("--apply", default="", help="确认导入的变动：new,changed,death,removal,missing")
        parser.add_argument("--close", action="store_true", help="没有任何变动时按“无变动”关闭")
        parser.add_argument("--skip-errors", action="store_true", help="忽略错误行，只导入有效行")
        parser.add_argument("--removal-date", type=date.fromisoformat)
        parser.add_argument("--removal-reason", default="")
        parser.add_argument("--report", type=Path, help="把错误和跳过的行写入此 .xlsx 文件")

    def handle(self, *args, file: Path, year: int, user: str, apply: str, skip_errors: bool,
               removal_date, removal_reason: str, report: Path | None, close: bool = False, **options):
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None or not actor.has_perm("enrollment.import_roster"):
            raise CommandError(f"用户 {user} 不存在或没有导入花名册的权限。")
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            ri = roster_import_preview(path=file, file_name=file.name, roster_year=year, actor=actor)
        except RosterFileError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"预览（导入编号 {ri.pk}）：共 {ri.rows_total} 行；新增 {ri.new_count}，变更 {ri.changed_count}，"
            f"死亡 {ri.death_count}，减员 {ri.removal_count}，无变化 {ri.unchanged_count}，"
            f"名册中缺失 {ri.missing_count}，跳过 {ri.skipped_count}，错误 {ri.error_count}。")
        for note in ri.notes:
            self.stdout.write(f"  {note}")
        for row in roster_import_rows(ri, "error")[:20]:
            self.stdout.write(f"  {'；'.join(row.messages)}")
        if report:
            with report.open("wb") as out:
                count = write_error_report(out, header=ri.header, rows=roster_import_unimported(ri),
                                           several_sheets=len(ri.sheets) > 1, title=f"{ri.file_name} 未导入的行")
            access_log_record(actor=actor, action=AccessLog.Action.EXPORT,
                              target=f"花名册导入 #{ri.pk} 错误报告", detail=str(report), rows=count)
            self.stdout.write(f"错误报告已写入 {report}")
        if close:
            try:
                roster_import_close(roster_import_id=ri.pk, actor=actor)
            except RuleViolation as violation:
                raise CommandError(violation.message) from None
            self.stdout.write(self.style.SUCCESS("与系统记录一致，已按“无变动”关闭。"))
            return
        kinds = {k.strip() for k in apply.split(",") if k.strip()}
        if not kinds:
            self.stdout.write("仅预览，未导入。加 --apply new,changed[,death,removal,missing] 确认导入。")
            return
        try:
            ri = roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds=kinds,
                                     skip_errors=skip_errors, removal_date=removal_date,
                                     removal_reason=removal_reason)
        except RuleViolation as violation:
            raise CommandError(violation.message) from None
        self.stdout.write(self.style.SUCCESS(
            f"已导入：新增 {ri.inserted}，变更 {ri.updated}，登记死亡或减员 {ri.ended}，缺失减员 {ri.removed}。"))
