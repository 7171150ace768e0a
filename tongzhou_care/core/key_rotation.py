"""Key rotation of personal data at rest (docs/deploy.md "Rotating the keys"): after a new SM4
key has become the current one (PERSONAL_DATA_KEY_ID) everywhere, a background job re-seals
every value still sealed under another key, in every sealed column of every table — the
audit event tables, the roster rows and the access log's neighbours included — with its
progress on the job's page. Afterwards the old key opens nothing any more and can be removed
from PERSONAL_DATA_KEYS (backups made before still need it: keep it with them).

The job runs as the runtime role, which may not update the append-only tables and may not
switch off their triggers; it writes through the database function `personal_data_reseal`
(migration core.0010_personal_data_reseal, owned by the migration owner, SECURITY DEFINER), which accepts only:
a column commented "SM4-GCM sealed …", values in the sealed format under the key being
rotated to, and rows whose value is still the one the job read (compare and swap: a value a
user changed meanwhile is left alone and is already under the current key). The row triggers
(audit, append-only) let this transaction's re-sealing through: it changes how a value is
stored, not the value, so it is recorded on the job (who, when, how many), not as row events.
The blind indexes are untouched: the hash key has its own procedure.
"""

import logging

import pgtrigger
from django.db import connection, transaction

from . import crypto
from .jobs import job_runner
from .keys import keyring
from .models import BackgroundJob
from .rules import RuleViolation
from .sealed import sealed_columns

logger = logging.getLogger(__name__)

BATCH = 2000
KIND = "personal_data_reseal"


def _table(model) -> tuple[str, str]:
    return model._meta.db_table, model._meta.pk.column


def _triggers_of(model) -> list[str]:
    """pgtrigger's names for every trigger on the model's table (audit, append-only)."""
    return [f"{m._meta.label}:{trigger.name}" for m, trigger in pgtrigger.registered() if m is model]


def _not_current(column: str) -> str:
    return f"{connection.ops.quote_name(column)} IS NOT NULL AND substring({connection.ops.quote_name(column)} FROM 1 FOR 3) <> %s"


def values_to_reseal() -> dict[str, int]:
    """'table.column' → how many values are not sealed under the current key."""
    prefix = crypto.key_id_prefix(keyring().current)
    counts = {}
    with connection.cursor() as cursor:
        for model, field in sealed_columns():
            table, _ = _table(model)
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {_not_current(field.column)}",
                           [prefix])
            counts[f"{table}.{field.column}"] = cursor.fetchone()[0]
    return counts


def sealed_key_ids() -> dict[int, int]:
    """Key id → how many values are sealed under it, over every sealed column."""
    totals: dict[int, int] = {}
    with connection.cursor() as cursor:
        for model, field in sealed_columns():
            table, column = (connection.ops.quote_name(n) for n in (model._meta.db_table, field.column))
            cursor.execute(f"SELECT get_byte({column}, 1) * 256 + get_byte({column}, 2), count(*) FROM {table} "
                           f"WHERE {column} IS NOT NULL GROUP BY 1")
            for key_id, n in cursor.fetchall():
                totals[key_id] = totals.get(key_id, 0) + n
    return totals


def _reseal_column(model, field, ring: crypto.Keyring, tick) -> int:
    table, pk = _table(model)
    prefix = crypto.key_id_prefix(ring.current)
    quote = connection.ops.quote_name
    done, last = 0, None
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quote(pk)}, {quote(field.column)} FROM {quote(table)} "
                           f"WHERE {_not_current(field.column)}" + (f" AND {quote(pk)} > %s" if last is not None else "")
                           + f" ORDER BY {quote(pk)} LIMIT {BATCH}", [prefix] + ([last] if last is not None else []))
            rows = cursor.fetchall()
        if not rows:
            return done
        ids = [row[0] for row in rows]
        old = [bytes(row[1]) for row in rows]
        new = [crypto.reseal(ring, field.purpose, value) for value in old]
        with pgtrigger.ignore(*_triggers_of(model)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT personal_data_reseal(%s::regclass, %s, %s, %s, %s, %s, %s)",
                           [table, pk, field.column, ids, old, new, ring.current])
            done += cursor.fetchone()[0]
        last = ids[-1]
        tick(len(rows))


def reseal_all(*, tick=lambda n: None) -> int:
    """Re-seal every value not under the current key; returns how many were re-sealed. Values
    changed by users meanwhile are skipped (they are sealed under the current key already)."""
    ring = keyring()
    return sum(_reseal_column(model, field, ring, tick) for model, field in sealed_columns())


def _no_download(user, params: dict) -> bool:
    return False        # nothing to download: the counts are on the job's page


@job_runner(KIND, may_download=_no_download)
def personal_data_reseal_job(job, progress):
    """The rotation as a background job, with progress over every value to re-seal."""
    if job.params.get("key_id") not in (None, keyring().current):
        raise RuleViolation("key", f"执行任务的后台进程当前密钥为 {keyring().current}，而任务要求 {job.params['key_id']}："
                            "请先按部署文档为所有进程配置新密钥并重启，再重新提交。")
    total = sum(values_to_reseal().values())
    progress.total(total)
    seen = 0

    def tick(n):
        nonlocal seen
        seen = min(total, seen + n)
        progress.done(seen)

    resealed = reseal_all(tick=tick)
    left = sum(values_to_reseal().values())
    ring = keyring()
    message = f"已用密钥 {ring.current} 重新加密 {resealed} 项个人信息"
    message += f"；仍有 {left} 项未在当前密钥下（运行期间被修改或新写入旧密钥），请再次执行。" if left else "；已全部在当前密钥下。"
    BackgroundJob.objects.filter(pk=job.pk).update(message=message[:500])
    logger.info("personal data re-sealed under key %s: %s values, %s left", ring.current, resealed, left)
    return ""


@transaction.atomic
def reseal_queue(*, actor) -> BackgroundJob:
    """Queue the re-sealing for the workers, unless one is already waiting or running."""
    from .jobs import job_defer

    pending = BackgroundJob.objects.filter(kind=KIND, status__in=[BackgroundJob.Status.QUEUED,
                                                                  BackgroundJob.Status.RUNNING])
    return pending.first() or job_defer(kind=KIND, title=f"个人信息改用密钥 {keyring().current} 加密",
                                        params={"key_id": keyring().current}, actor=actor)
