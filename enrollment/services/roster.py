"""The yearly roster import: preview (read, validate, compare, stage) and apply.

Preview writes nothing but the import and its report rows. Apply turns the confirmed kinds of
change into person rows in one transaction, with set-based SQL so a province-size roster
takes seconds, and refuses when anything it was shown has changed since (S18, S23):
- another import applied after this preview → refuse;
- a person edited since the preview (its version moved) → refuse;
- a person created since the preview with the same ID number → refuse.
Two applies are serialised by a transaction-level advisory lock, so they cannot both pass
those checks.
"""

import hashlib
import io
import json
from datetime import date
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.masking import mask_id_number, mask_phone
from tongzhou_care.core.models import AccessLog, Street
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record

from ..models import Person, PersonStatus, RosterImport, RosterRow
from ..roster_files import RosterFileError, open_roster
from ..rules import (
    CATEGORY_LABELS,
    PersonSnapshot,
    check_roster_row,
    clean_name,
    clean_text,
    duplicate_id_errors,
    roster_changes,
    spouse_links,
    street_index,
)
from ..selectors import eligible_categories
from .cover import policies_sync

# pg_advisory_xact_lock key for applying rosters ("roster" in ASCII, as an integer).
ROSTER_APPLY_LOCK = 0x726F73746572

APPLY_KINDS = ("new", "changed", "missing")
# A staged report larger than this gets fresh planner statistics before the apply joins it
# (without them PostgreSQL plans for an empty table: nested loops, minutes at 100,000 rows).
ANALYZE_AFTER = 5_000

_STAGE_COLUMNS = ("roster_import_id", "row_number", "kind", "person_id", "person_version",
                  "id_number", "name", "sex", "birth_date", "street_id", "community", "address",
                  "phone", "category", "assistance_start", "spouse_id_number", "changes",
                  "messages", "original")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


_STATUS_LABELS = dict(PersonStatus.choices)


def _display_changes(changes: dict, streets: dict[str, str]) -> str:
    """The changes as the preview shows them: names, not codes."""
    def show(field, value):
        if value is None or value == "":
            return ""
        if field == "street_code":
            return streets.get(value, value)
        if field == "category":
            return CATEGORY_LABELS.get(value, value)
        if field == "status":
            return _STATUS_LABELS.get(value, value)
        if field == "sex":
            return {"M": "男", "F": "女"}.get(value, value)
        if field == "phone":
            return mask_phone(value)     # the preview is a page: masked like every page (S10)
        if field == "spouse_id_number":
            return mask_id_number(value)
        return value.isoformat() if isinstance(value, date) else value

    return json.dumps({f: [show(f, old), show(f, new)] for f, (old, new) in changes.items()},
                      ensure_ascii=False)


def _original_cells(cells: list) -> list[str]:
    """The row as the user typed it, for the error report."""
    return [clean_text(c) if not isinstance(c, date) else c.isoformat() for c in cells]


def _current_persons() -> dict[str, tuple]:
    """ID number → (pk, version, snapshot) of every person, read in one query."""
    # The linked couples' spouse ID numbers in a small query of their own, so the main one
    # streams without a self-join over every person.
    spouse_of = dict(Person.objects.filter(spouse__isnull=False).values_list("pk", "spouse__id_number"))
    rows = Person.objects.values_list(
        "id_number", "pk", "version", "name", "sex", "birth_date", "street__code", "community",
        "category", "assistance_start", "address", "phone", "status",
    )
    return {
        r[0]: (r[1], r[2], PersonSnapshot(name=r[3], sex=r[4], birth_date=r[5], street_code=r[6],
                                          community=r[7], category=r[8], assistance_start=r[9],
                                          address=r[10], phone=r[11], status=r[12],
                                          spouse_id_number=spouse_of.get(r[1], "")))
        for r in rows.iterator(chunk_size=20_000)
    }


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """A value in COPY's text format: \\N is NULL, backslash, tab and line breaks escaped
    (so a cell that reads "\\N" stays text)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _copy_rows(rows: list[tuple]) -> None:
    """Stage the report rows with COPY: 100,000 rows in well under a second."""
    if not rows:
        return
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {RosterRow._meta.db_table} ({', '.join(_STAGE_COLUMNS)}) FROM STDIN",
                           buffer)


def roster_import_preview(*, path: Path, file_name: str, roster_year: int, actor,
                          today: date | None = None) -> RosterImport:
    """Read and check the whole file, compare it with the persons on record and stage the
    report; returns the import awaiting confirmation. Raises RosterFileError (nothing written
    but the access log) for a file that cannot be read safely."""
    today = today or timezone.localdate()
    sha = file_sha256(path)
    street_names = dict(Street.objects.values_list("code", "name"))
    streets = street_index(street_names)
    eligible = eligible_categories(roster_year)
    try:
        table = open_roster(path)
        checks = []
        for number, values, cells in table.rows:
            check = check_roster_row(values, streets=streets, eligible=eligible,
                                     default_category=table.default_category, today=today)
            checks.append((number, check, cells, values))
    except RosterFileError as error:
        _log_import(actor, file_name, sha, f"未通过检查：{error.message}")
        raise
    with transaction.atomic():
        ri = _stage_preview(table, checks, street_names, actor=actor, file_name=file_name, sha=sha,
                            size=path.stat().st_size, roster_year=roster_year)
        _log_import(actor, file_name, sha, f"预览：{len(checks)} 行", rows=len(checks))
    return ri


ROSTER_UPLOAD = "upload"      # a queued roster file in its job's folder (jobs.roster_preview reads it)


@transaction.atomic
def roster_apply_count(ri: RosterImport, kinds: set[str]) -> int:
    """How many rows applying these kinds of change writes (what decides a background apply)."""
    return sum({"new": ri.new_count, "changed": ri.changed_count, "missing": ri.missing_count}.get(k, 0)
               for k in kinds)


def roster_import_apply_queue(*, roster_import_id: int, actor, kinds: set[str], skip_errors: bool,
                              removal_date: date | None = None, removal_reason: str = ""):
    """Queue the apply of a large import as a background job (its request would outlast the
    web server's timeout) and return the job; the job calls roster_import_apply."""
    from tongzhou_care.core.jobs import job_defer

    ri = RosterImport.objects.get(pk=roster_import_id)
    return job_defer(kind="roster_apply", title=f"花名册导入 {ri.file_name}", actor=actor, params={
        "import_id": ri.pk, "kinds": sorted(kinds), "skip_errors": skip_errors,
        "removal_date": removal_date.isoformat() if removal_date else None, "removal_reason": removal_reason})


def roster_import_queue(*, chunks, file_name: str, roster_year: int, actor):
    """Queue the check of a large roster file as a background job and return the job. The
    file goes into the job's folder before the job is committed, so no worker can start
    without it."""
    from tongzhou_care.core.jobs import job_defer, job_folder

    with transaction.atomic():
        job = job_defer(kind="roster_preview", title=f"花名册核对 {file_name}", actor=actor,
                        params={"file_name": file_name, "roster_year": roster_year})
        with (job_folder(job) / ROSTER_UPLOAD).open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
    return job


def _linkable_spouses(checks, duplicates: dict, current: dict) -> dict[str, str]:
    """ID number → spouse ID number for the couples applying this file would link (the rule
    of _apply_new_and_couples, on ID numbers): both on record or valid rows of the file,
    neither linked to someone else, the file unambiguous about them."""
    valid = [check.record for number, check, _, _ in checks
             if check.record and not check.skip_reason and number not in duplicates]
    naming = [r for r in valid if r.spouse_id_number and r.spouse_id_number != r.id_number]
    if not naming:
        return {}
    in_file = {r.id_number for r in valid}

    def linked(number):
        person = current.get(number)
        return person[2].spouse_id_number if person else ""

    named = [(r.id_number, r.spouse_id_number) for r in naming
             if (r.spouse_id_number in in_file or r.spouse_id_number in current)
             and linked(r.id_number) in ("", r.spouse_id_number)
             and linked(r.spouse_id_number) in ("", r.id_number)]
    return spouse_links(named)


def _stage_preview(table, checks, streets: dict[str, str], *, actor, file_name, sha, size,
                   roster_year) -> RosterImport:
    street_ids = dict(Street.objects.values_list("code", "pk"))
    # Every row's ID text counts, valid or not: a copy of a row is a duplicate even if the
    # copy has other errors too. A skipped row does not: a person listed once under an
    # insured category and once under another (奖励扶助 and 特扶) is imported from the first.
    duplicates = duplicate_id_errors({
        number: check.record.id_number if check.record else clean_text(values.get("id_number")).upper()
        for number, check, _, values in checks
        if not check.skip_reason and (check.record or clean_text(values.get("id_number")))
    })
    current = _current_persons()
    linkable = _linkable_spouses(checks, duplicates, current)
    ri = RosterImport.objects.create(
        created_by=actor, file_name=file_name[:255], file_sha256=sha,
        file_size=size, file_kind=table.kind, roster_year=roster_year,
        header_row=table.header_row, header=table.header, title=" / ".join(table.title_lines)[:300],
        rows_total=len(checks),
    )
    counts = dict.fromkeys(("new", "changed", "unchanged", "skipped", "error", "missing"), 0)
    staged: list[tuple] = []
    seen_ids: set[str] = set()

    nothing = "{}"
    no_list = "[]"

    def stage(kind, number, record=None, person=None, changes=None, messages=(), cells=None,
              values=None):
        counts[kind] += 1
        pk, version = (person[0], person[1]) if person else (None, None)
        # An error row has no record: show what the file said, so the row can be found.
        raw_id = clean_text(values.get("id_number"))[:40] if values else ""
        raw_name = clean_name(values.get("name"))[:50] if values else ""
        staged.append((
            ri.pk, number, kind, pk, version,
            record.id_number if record else raw_id, record.name if record else raw_name,
            record.sex if record else "", record.birth_date if record else None,
            street_ids[record.street_code] if record else None,
            record.community if record else "", record.address if record else "",
            record.phone if record else "", record.category if record else "",
            record.assistance_start if record else None,
            record.spouse_id_number if record else "",
            _display_changes(changes, streets) if changes else nothing,
            json.dumps(list(messages), ensure_ascii=False) if messages else no_list,
            json.dumps(_original_cells(cells), ensure_ascii=False) if cells is not None else no_list,
        ))

    for number, check, cells, values in checks:
        id_text = clean_text(values.get("id_number")).upper()
        seen_ids.add(check.record.id_number if check.record else id_text)
        if check.errors or number in duplicates:
            messages = list(check.errors) + ([duplicates[number]] if number in duplicates else [])
            stage("error", number, messages=messages, cells=cells, values=values)
            continue
        record = check.record
        person = current.get(record.id_number)
        if check.skip_reason:
            stage("skipped", number, record, person, messages=[check.skip_reason], cells=cells)
        elif person is None:
            stage("new", number, record)
        elif person[2].status == PersonStatus.DECEASED:
            stage("skipped", number, record, person, cells=cells,
                  messages=["本系统已登记该对象死亡，名册仍列出此人；如登记有误请联系管理员更正"])
        else:
            changes = roster_changes(person[2], record,
                                     spouse_linkable=linkable.get(record.id_number) == record.spouse_id_number)
            if changes:
                stage("changed", number, record, person, changes=changes)
            else:
                counts["unchanged"] += 1

    for id_number, person in current.items():
        if person[2].status == PersonStatus.ACTIVE and id_number not in seen_ids:
            snapshot = person[2]
            counts["missing"] += 1
            staged.append((ri.pk, None, "missing", person[0], person[1], id_number, snapshot.name,
                           snapshot.sex, snapshot.birth_date, street_ids[snapshot.street_code],
                           snapshot.community, "", "", snapshot.category, None, "", "{}", "[]", "[]"))

    _copy_rows(staged)
    if len(staged) > ANALYZE_AFTER:
        _execute("ANALYZE enrollment_rosterrow", {})
    notes = []
    if table.default_category and "category" not in table.columns:
        notes.append(f"文件无“扶助类别”列，按标题全部视为{CATEGORY_LABELS[table.default_category]}。")
    RosterImport.objects.filter(pk=ri.pk).update(
        new_count=counts["new"], changed_count=counts["changed"],
        unchanged_count=counts["unchanged"], missing_count=counts["missing"],
        skipped_count=counts["skipped"], error_count=counts["error"], notes=notes,
    )
    ri.refresh_from_db()
    return ri


def _log_import(actor, file_name: str, sha: str, detail: str, rows: int | None = None):
    access_log_record(actor=actor, action=AccessLog.Action.IMPORT, target=f"花名册 {file_name}",
                      detail=f"{detail}；SHA-256 {sha[:16]}…", rows=rows)


# New persons arrive with ids drawn beforehand, so couples who are both new are linked in the
# INSERT itself (PostgreSQL checks the spouse foreign key at the end of the statement, when
# both rows exist). One statement instead of an INSERT and then an UPDATE of half the rows.
_INSERT_NEW = """
    INSERT INTO enrollment_person
        (id, spouse_id, name, sex, id_number, birth_date, street_id, community, address, phone,
         category, assistance_start, bank_name, bank_account, status, status_date,
         removal_reason, version, created_at, updated_at)
    SELECT new.id, new.spouse, r.name, r.sex, r.id_number, r.birth_date, r.street_id,
           r.community, r.address, r.phone, r.category, r.assistance_start, '', '', 'active',
           NULL, '', 1, %(now)s, %(now)s
    FROM unnest(%(ids)s::bigint[], %(id_numbers)s::text[], %(spouses)s::bigint[])
         AS new(id, id_number, spouse)
    JOIN enrollment_rosterrow r
      ON r.roster_import_id = %(import)s AND r.kind = 'new' AND r.id_number = new.id_number
"""

# Roster-owned fields take the roster's value; contact fields only fill what is empty; a
# removed person on the roster again is active again. The version check makes the update
# miss any person edited since the preview, which the caller turns into a refusal.
_UPDATE_CHANGED = """
    UPDATE enrollment_person p SET
        name = r.name, sex = r.sex, birth_date = r.birth_date, street_id = r.street_id,
        community = r.community, category = r.category, assistance_start = r.assistance_start,
        address = CASE WHEN p.address = '' THEN r.address ELSE p.address END,
        phone = CASE WHEN p.phone = '' THEN r.phone ELSE p.phone END,
        status = CASE WHEN p.status = 'removed' THEN 'active' ELSE p.status END,
        status_date = CASE WHEN p.status = 'removed' THEN NULL ELSE p.status_date END,
        removal_reason = CASE WHEN p.status = 'removed' THEN '' ELSE p.removal_reason END,
        version = p.version + 1, updated_at = %(now)s
    FROM enrollment_rosterrow r
    WHERE r.roster_import_id = %(import)s AND r.kind = 'changed'
      AND p.id = r.person_id AND p.version = r.person_version
"""

_REMOVE_MISSING = """
    UPDATE enrollment_person p SET
        status = 'removed', status_date = %(date)s, removal_reason = %(reason)s,
        version = p.version + 1, updated_at = %(now)s
    FROM enrollment_rosterrow r
    WHERE r.roster_import_id = %(import)s AND r.kind = 'missing'
      AND p.id = r.person_id AND p.version = r.person_version AND p.status = 'active'
"""


def _execute(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# Couples the roster names (配偶身份证号): ID number pairs of the rows being applied.
_NAMED_COUPLES = """
    SELECT id_number, spouse_id_number FROM enrollment_rosterrow
    WHERE roster_import_id = %(import)s AND kind = ANY(%(kinds)s) AND spouse_id_number <> ''
"""

_SET_SPOUSES = """
    UPDATE enrollment_person p
    SET spouse_id = link.spouse, version = p.version + 1, updated_at = %(now)s
    FROM unnest(%(ids)s::bigint[], %(spouses)s::bigint[]) AS link(id, spouse)
    WHERE p.id = link.id AND p.spouse_id IS DISTINCT FROM link.spouse
"""


def _apply_new_and_couples(kinds: set[str], params: dict) -> int:
    """Insert the new persons and link the couples the roster names; returns how many were
    inserted. A couple is linked when both are on record (or arriving now), neither is linked
    to someone else, and the file is unambiguous about them (rules.spouse_links)."""
    with connection.cursor() as cursor:
        new_numbers: list[str] = []
        new_ids: list[int] = []
        if "new" in kinds:
            cursor.execute("SELECT id_number, nextval('enrollment_person_id_seq') FROM enrollment_rosterrow"
                           " WHERE roster_import_id = %(import)s AND kind = 'new' ORDER BY id", params)
            pairs = cursor.fetchall()
            new_numbers, new_ids = [p[0] for p in pairs], [p[1] for p in pairs]
        cursor.execute(_NAMED_COUPLES, {**params, "kinds": sorted(kinds & {"new", "changed"})})
        named_numbers = cursor.fetchall()
        id_of = dict(zip(new_numbers, new_ids))
        wanted = {n for pair in named_numbers for n in pair} - set(id_of)
        existing_spouse: dict[int, int | None] = {}
        if wanted:
            cursor.execute("SELECT id_number, id, spouse_id FROM enrollment_person WHERE id_number = ANY(%s)",
                           [list(wanted)])
            for number, pk, spouse in cursor.fetchall():
                id_of[number] = pk
                existing_spouse[pk] = spouse
    # Only couples where neither is already linked to someone else.
    named = []
    for a_number, b_number in named_numbers:
        a, b = id_of.get(a_number), id_of.get(b_number)
        if a is None or b is None or a == b:
            continue
        if existing_spouse.get(a) in (None, b) and existing_spouse.get(b) in (None, a):
            named.append((a, b))
    links = spouse_links(named)
    inserted = 0
    if new_ids:
        try:
            inserted = _execute(_INSERT_NEW, {**params, "ids": new_ids, "id_numbers": new_numbers,
                                              "spouses": [links.get(i) for i in new_ids]})
        except IntegrityError:
            raise RuleViolation("conflict", "有“新增”人员在预览后已被录入系统，预览结果已过时。"
                                "请重新上传文件预览。") from None
    relink = {pk: spouse for pk, spouse in links.items() if pk in existing_spouse}
    if relink:
        _execute(_SET_SPOUSES, {**params, "ids": list(relink), "spouses": list(relink.values())})
    return inserted


@transaction.atomic
def roster_import_apply(*, roster_import_id: int, actor, kinds: set[str], skip_errors: bool,
                        removal_date: date | None = None, removal_reason: str = "",
                        progress=None) -> RosterImport:
    """Apply the confirmed kinds of change of a previewed import in one transaction and
    return it. Raises RuleViolation (nothing applied) when the file has errors the user did not
    choose to skip, when the import is not awaiting confirmation, or when the roster or a person
    changed since the preview."""
    unknown = set(kinds) - set(APPLY_KINDS)
    if unknown or not kinds:
        raise RuleViolation("kinds", "请至少选择一类要导入的变动。")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROSTER_APPLY_LOCK])
    ri = RosterImport.objects.select_for_update().get(pk=roster_import_id)
    if ri.status != RosterImport.Status.PREVIEWED:
        raise RuleViolation("not_previewed", f"该导入的状态为“{ri.get_status_display()}”，不能再次导入。")
    if ri.error_count and not skip_errors:
        raise RuleViolation("has_errors", f"文件有 {ri.error_count} 行错误。请修正后重新上传，"
                            "或明确选择“忽略错误行，只导入其余有效行”。")
    if RosterImport.objects.filter(status=RosterImport.Status.APPLIED,
                                   applied_at__gt=ri.created_at).exists():
        raise RuleViolation("superseded", "本次预览之后已有其他花名册导入生效，预览结果已过时。"
                            "请重新上传文件预览。")
    if "missing" in kinds and ri.missing_count:
        if removal_date is None or not removal_reason.strip():
            raise RuleViolation("removal", "对名册中缺失的人员减员，须填写减员日期和原因。")

    now = timezone.now()
    params = {"import": ri.pk, "now": now, "date": removal_date, "reason": removal_reason.strip()}
    inserted = updated = removed = 0
    # progress(done): rows applied so far, after each step (a background apply shows it).
    report = progress or (lambda done: None)
    with audit_context(actor, "roster_import_apply", roster_import=ri.pk):
        if "changed" in kinds:
            updated = _execute(_UPDATE_CHANGED, params)
            if updated != ri.changed_count:
                raise RuleViolation("stale", f"有 {ri.changed_count - updated} 名人员在预览后被修改，"
                                    "预览结果已过时。请重新上传文件预览。")
            report(updated)
        if "missing" in kinds:
            removed = _execute(_REMOVE_MISSING, params)
            if removed != ri.missing_count:
                raise RuleViolation("stale", "有人员在预览后状态已变化，预览结果已过时。请重新上传文件预览。")
            report(updated + removed)
        if kinds & {"new", "changed"}:
            inserted = _apply_new_and_couples(kinds, params)
            report(updated + removed + inserted)
            if inserted != ri.new_count and "new" in kinds:
                raise RuleViolation("conflict", "“新增”人员与预览不符，预览结果已过时。请重新上传文件预览。")
        ri.status = RosterImport.Status.APPLIED
        ri.applied_at, ri.applied_by = now, actor
        ri.applied_kinds = sorted(kinds)
        ri.skipped_errors = bool(skip_errors and ri.error_count)
        ri.removal_date = removal_date if "missing" in kinds else None
        ri.removal_reason = removal_reason.strip() if "missing" in kinds else ""
        ri.inserted, ri.updated, ri.removed = inserted, updated, removed
        ri.save()
        # Roster changes flow into issued policies: additions and ended cover for the insurer.
        policies_sync(actor=actor, today=timezone.localdate())
    _log_import(actor, ri.file_name, ri.file_sha256,
                f"导入：新增 {inserted}，变更 {updated}，减员 {removed}",
                rows=inserted + updated + removed)
    return ri


@transaction.atomic
def roster_import_discard(*, roster_import_id: int, actor) -> RosterImport:
    """Abandon a previewed import; nothing of it is applied. Raises RuleViolation otherwise."""
    ri = RosterImport.objects.select_for_update().get(pk=roster_import_id)
    if ri.status != RosterImport.Status.PREVIEWED:
        raise RuleViolation("not_previewed", f"该导入的状态为“{ri.get_status_display()}”，无法放弃。")
    with audit_context(actor, "roster_import_discard"):
        ri.status = RosterImport.Status.DISCARDED
        ri.save(update_fields=["status"])
    return ri
