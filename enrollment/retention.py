"""The enrollment app's part of the retention purge (tongzhou_care/core/retention.py,
docs/deploy.md "Retention"): the rows of roster imports (the uploaded file's content: ID
numbers, phones, addresses) are deleted, never applied → after a short period (a stale preview
is discarded first, so it can no longer be applied), applied → after a longer one. The
import's summary row stays."""

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef

from tongzhou_care.core.retention import BATCH, PurgeRun, RetentionKind, delete_append_only, start_of

from .models import RosterImport, RosterRow


def due_roster_imports(kind: str, cutoff: date):
    """Roster imports whose rows are due: never applied and uploaded before the cutoff, or
    applied before it."""
    has_rows = Exists(RosterRow.objects.filter(roster_import=OuterRef("pk")))
    qs = RosterImport.objects.filter(has_rows).order_by("pk")
    if kind == "roster_previews":
        return qs.exclude(status=RosterImport.Status.APPLIED).filter(created_at__lt=start_of(cutoff))
    return qs.filter(status=RosterImport.Status.APPLIED, applied_at__lt=start_of(cutoff))


def _purge(kind: str):
    def purge(run: PurgeRun, cutoff: date) -> int:
        run.step()
        done = 0
        while ids := list(due_roster_imports(kind, cutoff).values_list("pk", flat=True)[:BATCH]):
            with transaction.atomic():
                imports = list(due_roster_imports(kind, cutoff).filter(pk__in=ids).select_for_update(no_key=True))
                for ri in imports:
                    delete_append_only("retention_delete_roster_rows", "enrollment.RosterRow:rosterrow_append_only",
                                       ri.pk, start_of(cutoff))
                    if ri.status == RosterImport.Status.PREVIEWED:   # its rows are gone: it can no longer be applied
                        ri.status = RosterImport.Status.DISCARDED
                    ri.notes = [*ri.notes, f"导入明细已于 {run.today:%Y-%m-%d} 按保存期限（{KINDS[kind].period(run.periods)}）"
                                           "删除，汇总数字保留。"]
                    ri.save(update_fields=["status", "notes"])
                done += len(imports)
            if not imports:
                break
            run.step()
        return done
    return purge


KINDS = {
    "roster_previews": RetentionKind("roster_previews", 40, "未导入的花名册明细", "批",
                                     lambda p: f"上传后保存 {p.roster_preview_days} 天",
                                     due=lambda cutoff: due_roster_imports("roster_previews", cutoff).count(),
                                     purge=_purge("roster_previews")),
    "roster_rows": RetentionKind("roster_rows", 50, "已导入的花名册明细", "批",
                                 lambda p: f"导入后保存 {p.roster_rows_days} 天",
                                 due=lambda cutoff: due_roster_imports("roster_rows", cutoff).count(),
                                 purge=_purge("roster_rows")),
}
