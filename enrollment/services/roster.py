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
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.masking import mask_bank_account, mask_id_number, mask_phone
from tongzhou_care.core.models import AccessLog, Street
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record

from ..models import Person, PersonStatus, Policy, RosterImport, RosterRow, RosterRowChoice, SchemeYear
from ..roster_files import RosterFileError, open_roster
from ..rules import (
    ACTIVE_STATUS_WORDS,
    CATEGORY_LABELS,
    CONTACT_FIELDS,
    Cover,
    PersonSnapshot,
    YearView,
    addition_plan,
    check_roster_row,
    clean_name,
    clean_text,
    duplicate_rows,
    ending_plan,
    event_changes,
    match_street,
    resumption_plan,
    roster_changes,
    spouse_links,
    street_index,
)
from ..selectors import eligible_categories
from .cover import policies_sync

# pg_advisory_xact_lock key for applying rosters ("roster" in ASCII, as an integer).
ROSTER_APPLY_LOCK = 0x726F73746572

APPLY_KINDS = ("new", "changed", "death", "removal", "missing")
EVENT_KINDS = ("death", "removal")        # a death or removal the file records, dated by it or by the clerk
# A staged report larger than this gets fresh planner statistics before the apply joins it
# (without them PostgreSQL plans for an empty table: nested loops, minutes at 100,000 rows).
ANALYZE_AFTER = 5_000

_STAGE_COLUMNS = ("roster_import_id", "sheet", "row_number", "kind", "person_id", "person_version",
                  "id_number", "name", "sex", "birth_date", "street_id", "street_text", "community",
                  "address", "phone", "bank_name", "bank_account", "category", "assistance_start",
                  "spouse_id_number", "event_date", "event_reason", "changes", "messages", "original",
                  "plan", "related")


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
        if field == "bank_account":
            return mask_bank_account(value)
        if field == "spouse_id_number":
            return mask_id_number(value)
        return value.isoformat() if isinstance(value, date) else value

    return json.dumps({f: [show(f, old), show(f, new)] for f, (old, new) in changes.items()},
                      ensure_ascii=False)


def _original_cells(cells: list) -> list[str]:
    """The row as the user typed it, for the error report: a date cell as 2026-03-01 (with
    the time only when it has one)."""
    return [clean_text(c) if not isinstance(c, date) else _cell_date(c) for c in cells]


def _cell_date(value: date) -> str:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else f"{value:%Y-%m-%d}"


def _current_persons() -> dict[str, tuple]:
    """ID number → (pk, version, snapshot) of every person, read in one query."""
    # The linked couples' spouse ID numbers in a small query of their own, so the main one
    # streams without a self-join over every person.
    spouse_of = dict(Person.objects.filter(spouse__isnull=False).values_list("pk", "spouse__id_number"))
    rows = Person.objects.values_list(
        "id_number", "pk", "version", "name", "sex", "birth_date", "street__code", "community",
        "category", "assistance_start", "address", "phone", "status", "bank_name", "bank_account",
        "status_date",
    )
    return {
        r[0]: (r[1], r[2], PersonSnapshot(name=r[3], sex=r[4], birth_date=r[5], street_code=r[6],
                                          community=r[7], category=r[8], assistance_start=r[9],
                                          address=r[10], phone=r[11], status=r[12],
                                          spouse_id_number=spouse_of.get(r[1], ""), bank_name=r[13],
                                          bank_account=r[14], status_date=r[15]))
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
        table = open_roster(path, is_street=lambda text: _names_street(text, streets))
        checks = []
        for sheet, number, values, cells in table.rows:
            check = check_roster_row(values, streets=streets, eligible=eligible,
                                     default_category=sheet.default_category, today=today)
            checks.append((sheet, number, check, cells, values))
    except RosterFileError as error:
        _log_import(actor, file_name, sha, f"未通过检查：{error.message}")
        raise
    with transaction.atomic():
        ri = _stage_preview(table, checks, street_names, actor=actor, file_name=file_name, sha=sha,
                            size=path.stat().st_size, roster_year=roster_year, today=today)
        _log_import(actor, file_name, sha, f"预览：{len(checks)} 行", rows=len(checks))
    return ri


def _names_street(text: str, streets) -> bool:
    try:
        match_street(text, streets)
    except RuleViolation:
        return False
    return True


ROSTER_UPLOAD = "upload"      # a queued roster file in its job's folder (jobs.roster_preview reads it)


@transaction.atomic
def roster_apply_count(ri: RosterImport, kinds: set[str]) -> int:
    """How many rows applying these kinds of change writes (what decides a background apply)."""
    return sum({"new": ri.new_count, "changed": ri.changed_count, "missing": ri.missing_count,
                "death": ri.death_count, "removal": ri.removal_count}.get(k, 0) for k in kinds)


def roster_import_apply_queue(*, roster_import_id: int, actor, kinds: set[str], skip_errors: bool,
                              removal_date: date | None = None, removal_reason: str = ""):
    """Queue the apply of a large import as a background job (its request would outlast the
    web server's timeout) and return the job; the job calls roster_import_apply."""
    from tongzhou_care.core.jobs import job_defer

    ri = RosterImport.objects.get(pk=roster_import_id)
    events = sorted(set(kinds) & set(EVENT_KINDS))
    if events:
        _check_event_dates({"import": ri.pk, "events": events})     # said now, not when the job fails
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
    valid = [check.record for key, (_, _, check, _, _) in enumerate(checks)
             if check.record and not check.skip_reason and not check.event
             and (key not in duplicates or duplicates[key].copy_of is not None)]
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


class _RowLabels:
    """第7行, or 工作表“宋庄”第7行 when the file has several sheets: rows as the user finds them."""

    def __init__(self, checks, several: bool):
        self.checks, self.several = checks, several

    def __getitem__(self, key: int) -> str:
        sheet, number = self.checks[key][0], self.checks[key][1]
        return f"工作表“{sheet.name}”第{number}行" if self.several else f"第{number}行"


def _scheme_years(today: date) -> list[tuple[int, YearView]]:
    """The scheme years a change applied today can touch: the current one and any later."""
    return [(pk, YearView(name=name, coverage=Cover(start, end), issued=issued is not None,
                          categories=frozenset(categories)))
            for pk, name, start, end, issued, categories in
            SchemeYear.objects.filter(coverage_end__gte=today).order_by("coverage_start").values_list(
                "pk", "name", "coverage_start", "coverage_end", "policies_issued_at", "eligible_categories")]


def _policies_of(person_ids, years) -> dict[int, dict[int, tuple]]:
    """person → scheme year → (cover, number, end reason) of the given persons' policies."""
    found: dict[int, dict[int, tuple]] = {}
    if not person_ids or not years:
        return found
    for person, year, number, start, end, reason, gaps in Policy.objects.filter(
            person_id__in=person_ids, scheme_year_id__in=[pk for pk, _ in years]).values_list(
            "person_id", "scheme_year_id", "number", "cover_start", "cover_end", "end_reason", "cover_gaps"):
        cover = Cover(start, end, tuple(Cover(g.lower, g.upper - timedelta(days=1)) for g in gaps))
        found.setdefault(person, {})[year] = (cover, number, reason)
    return found


def _stage_preview(table, checks, streets: dict[str, str], *, actor, file_name, sha, size,
                   roster_year, today) -> RosterImport:
    street_ids = dict(Street.objects.values_list("code", "pk"))
    several = len(table.sheets) > 1
    labels = _RowLabels(checks, several)
    # Every row's ID text counts, valid or not: a copy of a row is a duplicate even if the
    # copy has other errors too. A row of a category not insured does not: a person listed
    # once under an insured category and once under another (奖励扶助 and 特扶) is imported from
    # the first.
    def content(key):
        check, values = checks[key][2], checks[key][4]
        if check.record:
            return check.record, check.event, check.event_date, check.event_reason
        return tuple(clean_text(v) for v in values.values())

    duplicates = duplicate_rows((
        (key, check.record.id_number if check.record else clean_text(values.get("id_number")).upper())
        for key, (_, _, check, _, values) in enumerate(checks)
        if not check.skip_reason and (check.record or clean_text(values.get("id_number")))
    ), content, labels)
    current = _current_persons()
    linkable = _linkable_spouses(checks, duplicates, current)
    years = _scheme_years(today)
    ri = RosterImport.objects.create(
        created_by=actor, file_name=file_name[:255], file_sha256=sha,
        file_size=size, file_kind=table.kind, roster_year=roster_year,
        header_row=table.header_row, header=table.header, title=" / ".join(table.title_lines)[:300],
        sheets=[{"name": sh.name, "header_row": sh.header_row, "header_rows": sh.header_rows,
                 "header": sh.header, "columns": sh.columns, "rows": sh.rows} for sh in table.sheets],
        rows_total=len(checks),
    )
    counts = dict.fromkeys(("new", "changed", "unchanged", "skipped", "error", "missing", "death",
                            "removal"), 0)
    staged: list[tuple] = []
    seen_ids: set[str] = set()
    insured_ids = {check.record.id_number for _, _, check, _, _ in checks
                   if check.record and not check.skip_reason}
    later: list[tuple] = []            # rows whose cover plan needs their policies (few)
    unlinked: list[str] = []
    copies: list[str] = []
    statuses: Counter = Counter()      # 状态 texts that name no end (在册, 正常 …)
    undated: Counter = Counter()       # change dates on rows that record no end
    nothing = "{}"
    no_list = "[]"

    def stage(kind, key, record=None, person=None, changes=None, messages=(), cells=None, values=None,
              check=None, plan=None, related=()):
        counts[kind] += 1
        sheet, number = checks[key][0], checks[key][1]
        pk, version = (person[0], person[1]) if person else (None, None)
        # An error row has no record: show what the file said, so the row can be found.
        raw_id = clean_text(values.get("id_number"))[:40] if values else ""
        raw_name = clean_name(values.get("name"))[:50] if values else ""
        staged.append((
            ri.pk, sheet.name, number, kind, pk, version,
            record.id_number if record else raw_id, record.name if record else raw_name,
            record.sex if record else "", record.birth_date if record else None,
            street_ids[record.street_code] if record else None,
            clean_text(values.get("street"))[:100] if values else "",
            record.community if record else "", record.address if record else "",
            record.phone if record else "", record.bank_name if record else "",
            record.bank_account if record else "", record.category if record else "",
            record.assistance_start if record else None,
            record.spouse_id_number if record else "",
            check.event_date if check else None, check.event_reason[:200] if check else "",
            _display_changes(changes, streets) if changes else nothing,
            json.dumps(list(messages), ensure_ascii=False) if messages else no_list,
            json.dumps(_original_cells(cells), ensure_ascii=False) if cells is not None else no_list,
            json.dumps(plan, ensure_ascii=False) if plan else no_list,
            json.dumps([[checks[k][0].name, checks[k][1]] for k in related]) if related else no_list,
        ))
        return len(staged) - 1

    plans: dict[tuple, list[str]] = {}
    impact: dict[str, Counter] = {name: Counter() for name in (year.name for _, year in years)}

    def new_plan(record) -> list[str]:
        # The same for every new person of a category and benefit start: computed once each.
        key = (record.category, record.assistance_start)
        if key not in plans:
            lines = [addition_plan(year, category=record.category, assistance_start=record.assistance_start,
                                   today=today) for _, year in years]
            plans[key] = (lines, [line.text for line in lines])
        lines, texts = plans[key]
        for line in lines:
            impact[line.year][line.action] += 1
        return texts

    for key, (sheet, number, check, cells, values) in enumerate(checks):
        record = check.record
        seen_ids.add(record.id_number if record else clean_text(values.get("id_number")).upper())
        mark = duplicates.get(key)
        if check.errors or (mark is not None and mark.copy_of is None):
            messages = [f"{labels[key]}“{sheet.label(e.field)}”：{e.message}" for e in check.errors]
            if mark is not None:
                messages.append(f"{labels[key]}{mark.message}")
            stage("error", key, messages=messages, cells=cells, values=values,
                  related=mark.others if mark is not None else ())
            continue
        if mark is not None:
            copies.append(f"{labels[mark.copy_of]}与{labels[key]}")
            stage("skipped", key, record, current.get(record.id_number), messages=[f"{labels[key]}{mark.message}"],
                  cells=cells, values=values, related=mark.others)
            continue
        person = current.get(record.id_number)
        if not check.event and (values.get("status") or values.get("event_date")):
            # Read but not an end: said in the notes, so nothing of the file goes unmentioned.
            status = clean_name(values.get("status"))
            if status and status not in ACTIVE_STATUS_WORDS:
                statuses[status] += 1
            if clean_text(values.get("event_date")) and not check.skip_reason:
                undated[sheet.label("event_date")] += 1
        if record.spouse_id_number and linkable.get(record.id_number) != record.spouse_id_number and not (
                person and person[2].spouse_id_number == record.spouse_id_number):
            unlinked.append(labels[key])
        if check.event:
            word = "死亡" if check.event == "death" else "减员"
            if person is None:
                stage("skipped", key, record, cells=cells, values=values, check=check,
                      messages=[f"名册标注该对象已{word}，本系统无此人，不导入"])
                continue
            changes = event_changes(person[2], event=check.event, event_date=check.event_date)
            if changes is None:
                if person[2].status == PersonStatus.DECEASED and check.event == "removal":
                    stage("skipped", key, record, person, cells=cells, values=values, check=check,
                          messages=["本系统已登记该对象死亡，名册标注减员，不再处理"])
                else:
                    counts["unchanged"] += 1
                continue
            later.append((stage(check.event, key, record, person, changes=changes, values=values, check=check),
                          check.event, check.event_date, person))
            continue
        if check.skip_reason:
            if record.id_number in insured_ids or person is None or person[2].status != PersonStatus.ACTIVE:
                stage("skipped", key, record, person, messages=[check.skip_reason], cells=cells, values=values)
            else:
                # On record and insured until now: no longer eligible, proposed for removal.
                changes = {"status": (person[2].status, "removed"), "status_date": (None, check.event_date)}
                if person[2].category != record.category:
                    changes["category"] = (person[2].category, record.category)
                event = check._replace(event="removal", event_reason=f"{check.skip_reason}，不再符合参保条件")
                later.append((stage("removal", key, record, person, changes=changes, values=values, check=event,
                                    messages=[event.event_reason]), "removal", check.event_date, person))
            insured_ids.add(record.id_number)          # a further row of the same person is a copy
            continue
        if person is None:
            stage("new", key, record, values=values, plan=new_plan(record))
        elif person[2].status == PersonStatus.DECEASED:
            stage("skipped", key, record, person, cells=cells, values=values,
                  messages=["本系统已登记该对象死亡，名册仍列出此人；如登记有误请联系管理员更正"])
        else:
            changes = roster_changes(person[2], record,
                                     spouse_linkable=linkable.get(record.id_number) == record.spouse_id_number)
            if changes:
                index = stage("changed", key, record, person, changes=changes, values=values)
                if "status" in changes or "category" in changes or "assistance_start" in changes:
                    later.append((index, "changed", None, person))
            else:
                counts["unchanged"] += 1

    _plan_later(staged, later, years, today, impact)

    for id_number, person in current.items():
        if person[2].status == PersonStatus.ACTIVE and id_number not in seen_ids:
            snapshot = person[2]
            counts["missing"] += 1
            staged.append((ri.pk, "", None, "missing", person[0], person[1], id_number, snapshot.name,
                           snapshot.sex, snapshot.birth_date, street_ids[snapshot.street_code], "",
                           snapshot.community, "", "", "", "", snapshot.category, None, "", None, "",
                           nothing, no_list, no_list, no_list, no_list))

    _copy_rows(staged)
    if len(staged) > ANALYZE_AFTER:
        _execute("ANALYZE enrollment_rosterrow", {})
    notes = _preview_notes(table, copies, unlinked, impact)
    if statuses:
        notes.append("状态列中的" + "、".join(f"“{text}”（{n} 行）" for text, n in statuses.most_common(10))
                     + "不是死亡或减员，按在册处理。")
    for label, n in undated.items():
        notes.append(f"{n} 行的“{label}”填有日期，但状态不是死亡或减员，该日期未导入。")
    RosterImport.objects.filter(pk=ri.pk).update(
        new_count=counts["new"], changed_count=counts["changed"],
        unchanged_count=counts["unchanged"], missing_count=counts["missing"],
        death_count=counts["death"], removal_count=counts["removal"],
        skipped_count=counts["skipped"], error_count=counts["error"], notes=notes,
    )
    ri.refresh_from_db()
    return ri


_PLAN = _STAGE_COLUMNS.index("plan")


def _plan_later(staged: list, later: list, years, today: date, impact: dict[str, Counter]) -> None:
    """Fill in the cover plan of the rows that change an existing person's cover (deaths,
    removals, reinstatements, a category or benefit start changed) from their policies, and
    count per scheme year how many rows end, resume or add cover."""
    if not years or not later:
        return
    policies = _policies_of([person[0] for _, _, _, person in later], years)
    category_at, start_at = _STAGE_COLUMNS.index("category"), _STAGE_COLUMNS.index("assistance_start")
    for index, kind, last_day, person in later:
        snapshot, mine, row = person[2], policies.get(person[0], {}), staged[index]
        lines = []
        for pk, year in years:
            policy = mine.get(pk)
            if kind in EVENT_KINDS:
                if policy is not None:
                    lines.append(ending_plan(year, policy[0], policy[1], last_day=last_day,
                                             death=kind == "death", ended_by=policy[2]))
            elif policy is None:
                lines.append(addition_plan(year, category=row[category_at], assistance_start=row[start_at],
                                           today=today))
            elif policy[2] and snapshot.status == PersonStatus.REMOVED and row[category_at] in year.categories:
                lines.append(resumption_plan(year, policy[0], assistance_start=row[start_at], today=today))
        for line in lines:
            impact[line.year][line.action] += 1
        staged[index] = row[:_PLAN] + (json.dumps([line.text for line in lines], ensure_ascii=False),) + row[_PLAN + 1:]


def _preview_notes(table, copies, unlinked, impact: dict[str, Counter]) -> list[str]:
    """What the preview says above its tables: how the file was read, what it holds that is
    not imported, and what applying it does to each scheme year's cover."""
    notes = list(table.notes)
    if len(table.sheets) > 1:
        notes.append("文件有多个工作表，已逐表读取：" + "、".join(
            f"“{sh.name}”{sh.rows}行" for sh in table.sheets) + "。")
    for sh in table.sheets:
        where = f"工作表“{sh.name}”" if len(table.sheets) > 1 else "文件"
        if sh.header_rows == 2:
            notes.append(f"{where}的表头占两行（第{sh.header_row}、{sh.header_row + 1}行），已合并读取。")
        if sh.default_category and "category" not in sh.columns:
            notes.append(f"{where}无“扶助类别”列，按标题全部视为{CATEGORY_LABELS[sh.default_category]}。")
        if sh.default_street:
            notes.append(f"{where}无街道列，按工作表名称全部视为{sh.default_street}。")
        used = set(sh.columns.values())
        unread = [h for i, h in enumerate(sh.header) if h and i not in used and h not in ("序号", "编号")]
        if unread:
            notes.append(f"{where}中以下列本系统不保存，未导入：{'、'.join(unread)}。")
    if copies:
        notes.append(f"以下内容完全相同的行只导入一次：{'；'.join(copies[:10])}{'等' if len(copies) > 10 else ''}。")
    if unlinked:
        notes.append(f"{len(unlinked)} 行填写的配偶身份证号未能关联（配偶不在名册和系统中、已与他人关联，"
                     f"或文件前后矛盾）：{'、'.join(unlinked[:10])}{'等' if len(unlinked) > 10 else ''}。")
    for year, effect in impact.items():
        words = [f"{label} {effect[action]} 人" for action, label in (
            ("add", "增员"), ("resume", "恢复保障"), ("end", "终止保障（死亡、减员）"),
            ("none", "不参保或保障不变")) if effect[action]]
        if words:
            notes.append(f"确认导入对{year}保单的影响：{'，'.join(words)}（各行的“保障变化”列有日期）。")
    return notes


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

# Roster-owned fields take the roster's value; contact and bank fields the file changes take
# its value unless the clerk left them (RosterRowChoice.declined); a removed person on the
# roster again is active again. The version check makes the update miss any person edited
# since the preview, which the caller turns into a refusal. A row whose every change the clerk
# left is not touched.
_CHANGED_ROWS = """
    FROM enrollment_rosterrow r LEFT JOIN enrollment_rosterrowchoice c ON c.row_id = r.id
    WHERE r.roster_import_id = %(import)s AND r.kind = 'changed'
      AND EXISTS (SELECT 1 FROM jsonb_object_keys(r.changes) k(field)
                  WHERE NOT k.field = ANY(COALESCE(c.declined, '{}')))
"""
_TAKE = "CASE WHEN r.changes ? '{0}' AND NOT '{0}' = ANY(COALESCE(c.declined, '{{}}')) THEN r.{0} ELSE p.{0} END"
_UPDATE_CHANGED = f"""
    UPDATE enrollment_person p SET
        name = r.name, sex = r.sex, birth_date = r.birth_date, street_id = r.street_id,
        community = r.community, category = r.category, assistance_start = r.assistance_start,
        {", ".join(f"{field} = {_TAKE.format(field)}" for field in CONTACT_FIELDS)},
        status = CASE WHEN p.status = 'removed' THEN 'active' ELSE p.status END,
        status_date = CASE WHEN p.status = 'removed' THEN NULL ELSE p.status_date END,
        removal_reason = CASE WHEN p.status = 'removed' THEN '' ELSE p.removal_reason END,
        version = p.version + 1, updated_at = %(now)s
    {_CHANGED_ROWS}
      AND p.id = r.person_id AND p.version = r.person_version
"""

# A death or removal the file records, exactly as recording it by hand does (person_update):
# status and date (the file's, or the one the clerk entered), then policies_sync ends cover.
# A removal for lost eligibility also takes the file's category.
_EVENT_ROWS = """
    FROM enrollment_rosterrow r LEFT JOIN enrollment_rosterrowchoice c ON c.row_id = r.id
    WHERE r.roster_import_id = %(import)s AND r.kind = ANY(%(events)s) AND NOT COALESCE(c.leave, false)
"""
_RECORD_EVENTS = f"""
    UPDATE enrollment_person p SET
        status = CASE WHEN r.kind = 'death' THEN 'deceased' ELSE 'removed' END,
        status_date = COALESCE(r.event_date, c.event_date),
        removal_reason = CASE WHEN r.kind = 'death' THEN '' ELSE r.event_reason END,
        category = CASE WHEN r.kind = 'removal' AND r.category <> '' THEN r.category ELSE p.category END,
        version = p.version + 1, updated_at = %(now)s
    {_EVENT_ROWS}
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


def _row_label(sheet: str, number: int | None, name: str) -> str:
    return f"{f'工作表“{sheet}”' if sheet else ''}第{number}行（{name}）"


def _count(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {sql}", params)
        return cursor.fetchone()[0]


def _locked_preview(roster_import_id: int) -> RosterImport:
    """The import under the lock every writer of a preview takes (apply, choices, close,
    discard), refused unless it awaits confirmation."""
    ri = RosterImport.objects.select_for_update().get(pk=roster_import_id)
    if ri.status != RosterImport.Status.PREVIEWED:
        raise RuleViolation("not_previewed", f"该导入的状态为“{ri.get_status_display()}”，不能再修改或导入。")
    return ri


@transaction.atomic
def roster_import_apply(*, roster_import_id: int, actor, kinds: set[str], skip_errors: bool,
                        removal_date: date | None = None, removal_reason: str = "",
                        progress=None) -> RosterImport:
    """Apply the confirmed kinds of change of a previewed import in one transaction and
    return it. Raises RuleViolation (nothing applied) when the file has errors the user did not
    choose to skip, when the import is not awaiting confirmation, when a death or removal to
    record has no date, or when the roster or a person changed since the preview."""
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
    events = sorted(set(kinds) & set(EVENT_KINDS))
    now = timezone.now()
    params = {"import": ri.pk, "now": now, "date": removal_date, "reason": removal_reason.strip(),
              "events": events}
    if events:
        _check_event_dates(params)

    inserted = updated = removed = ended = 0
    # progress(done): rows applied so far, after each step (a background apply shows it).
    report = progress or (lambda done: None)
    with audit_context(actor, "roster_import_apply", roster_import=ri.pk):
        if "changed" in kinds:
            expected = _count(_CHANGED_ROWS, params)
            updated = _execute(_UPDATE_CHANGED, params)
            if updated != expected:
                raise RuleViolation("stale", f"有 {expected - updated} 名人员在预览后被修改，"
                                    "预览结果已过时。请重新上传文件预览。")
            report(updated)
        if events:
            expected = _count(_EVENT_ROWS, params)
            ended = _execute(_RECORD_EVENTS, params)
            if ended != expected:
                raise RuleViolation("stale", f"有 {expected - ended} 名人员在预览后被修改，"
                                    "预览结果已过时。请重新上传文件预览。")
            report(updated + ended)
        if "missing" in kinds:
            removed = _execute(_REMOVE_MISSING, params)
            if removed != ri.missing_count:
                raise RuleViolation("stale", "有人员在预览后状态已变化，预览结果已过时。请重新上传文件预览。")
            report(updated + ended + removed)
        if kinds & {"new", "changed"}:
            inserted = _apply_new_and_couples(kinds, params)
            report(updated + ended + removed + inserted)
            if inserted != ri.new_count and "new" in kinds:
                raise RuleViolation("conflict", "“新增”人员与预览不符，预览结果已过时。请重新上传文件预览。")
        ri.status = RosterImport.Status.APPLIED
        ri.applied_at, ri.applied_by = now, actor
        ri.applied_kinds = sorted(kinds)
        ri.skipped_errors = bool(skip_errors and ri.error_count)
        ri.removal_date = removal_date if "missing" in kinds else None
        ri.removal_reason = removal_reason.strip() if "missing" in kinds else ""
        ri.inserted, ri.updated, ri.removed, ri.ended = inserted, updated, removed, ended
        ri.save()
        # Roster changes flow into issued policies as they do from a change by hand: additions,
        # reinstatements and ended cover for the insurer's change list.
        policies_sync(actor=actor, today=timezone.localdate())
    _log_import(actor, ri.file_name, ri.file_sha256,
                f"导入：新增 {inserted}，变更 {updated}，死亡或减员 {ended}，缺失减员 {removed}",
                rows=inserted + updated + ended + removed)
    return ri


def _check_event_dates(params: dict) -> None:
    """Every death or removal to record needs its date: from the file, or entered by the clerk."""
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT r.sheet, r.row_number, r.name {_EVENT_ROWS}
                           AND r.event_date IS NULL AND c.event_date IS NULL ORDER BY r.id LIMIT 11""", params)
        undated = cursor.fetchall()
    if undated:
        rows = "、".join(_row_label(*row) for row in undated[:10]) + ("等" if len(undated) > 10 else "")
        raise RuleViolation("event_date", f"以下死亡或减员尚无日期，请在“死亡”“减员”页签中逐行填写日期"
                            f"（或选择暂不处理）后再确认：{rows}。")


class RowChoice(NamedTuple):
    """The clerk's decision on one preview row (services.roster_rows_choose)."""

    row_id: int
    declined: tuple[str, ...] = ()      # contact or bank fields to leave as on record
    event_date: date | None = None      # the date of a death or removal the file does not give
    leave: bool = False                 # leave a death or removal out of this import


@transaction.atomic
def roster_rows_choose(*, roster_import_id: int, actor, choices: list[RowChoice], today: date | None = None) -> int:
    """Record what the clerk takes or leaves on rows of a preview before applying it; returns
    how many rows were saved. Raises RuleViolation for a row of another import or of a kind
    that has no such choice, a field the row does not change, or a date in the future."""
    today = today or timezone.localdate()
    ri = _locked_preview(roster_import_id)
    rows = {r.pk: r for r in RosterRow.objects.filter(roster_import=ri, pk__in=[c.row_id for c in choices])}
    with audit_context(actor, "roster_rows_choose", roster_import=ri.pk):
        for choice in choices:
            row = rows.get(choice.row_id)
            if row is None or row.kind not in ("changed", *EVENT_KINDS):
                raise RuleViolation("row", "所选的行不属于本次导入，或该行没有可选择的内容。")
            label = _row_label(row.sheet, row.row_number, row.name)
            declined = sorted(set(choice.declined))
            if any(f not in CONTACT_FIELDS or f not in row.changes for f in declined):
                raise RuleViolation("declined", f"{label}：只能选择不采用文件中的联系方式或银行信息变更。")
            if row.kind not in EVENT_KINDS and (choice.event_date or choice.leave):
                raise RuleViolation("row", f"{label}：该行不是死亡或减员，无需填写日期。")
            if choice.event_date is not None:
                if row.event_date is not None:
                    raise RuleViolation("event_date", f"{label}：文件已给出日期 {row.event_date:%Y-%m-%d}，不能另填。")
                if choice.event_date > today:
                    raise RuleViolation("event_date", f"{label}：日期 {choice.event_date:%Y-%m-%d} 晚于今天，请核对。")
            RosterRowChoice.objects.update_or_create(
                row=row, defaults={"roster_import": ri, "declined": declined, "event_date": choice.event_date,
                                   "leave": choice.leave, "decided_by": actor})
    return len(choices)


@transaction.atomic
def roster_import_close(*, roster_import_id: int, actor) -> RosterImport:
    """Close a preview that proposes nothing (no new, changed, death, removal or missing row,
    no error) as 无变动, so it does not stay 待确认. Raises RuleViolation otherwise."""
    ri = _locked_preview(roster_import_id)
    if ri.proposed or ri.error_count:
        raise RuleViolation("has_changes", "本次导入有待确认的变动或错误行，不能按“无变动”关闭；"
                            "请确认导入，或放弃本次导入。")
    with audit_context(actor, "roster_import_close"):
        ri.status = RosterImport.Status.UNCHANGED
        ri.applied_at, ri.applied_by = timezone.now(), actor
        ri.save(update_fields=["status", "applied_at", "applied_by"])
    _log_import(actor, ri.file_name, ri.file_sha256, "确认无变动并关闭")
    return ri


@transaction.atomic
def roster_import_discard(*, roster_import_id: int, actor) -> RosterImport:
    """Abandon a previewed import; nothing of it is applied. Raises RuleViolation otherwise."""
    ri = _locked_preview(roster_import_id)
    with audit_context(actor, "roster_import_discard"):
        ri.status = RosterImport.Status.DISCARDED
        ri.save(update_fields=["status"])
    return ri
