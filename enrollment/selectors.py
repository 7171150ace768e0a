"""Read paths for persons, always scoped to the user (S8)."""

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Collate, Right
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.display import display_value
from tongzhou_care.core.masking import mask_bank_account, mask_id_number, mask_phone
from tongzhou_care.core.models import Role, Street
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.sorting import Sorting

from .models import (
    PINYIN,
    Person,
    PersonStatus,
    Policy,
    PolicyChange,
    RosterImport,
    RosterRow,
    SchemeYear,
    default_categories,
)
from .rules import insurer_reach_starts, looks_like_id_tail, parse_id_number


def insurer_years_in_reach(user, *, ended: bool | None = None) -> QuerySet[SchemeYear]:
    """The contracts of the insurer whose staff `user` is, that its staff may still read: the
    running ones, and ended ones until INSURER_ACCESS_DAYS_AFTER_CONTRACT days after their
    coverage end. `ended=True` gives only the ended ones in reach, `False` only the running."""
    today = timezone.localdate()
    qs = SchemeYear.objects.filter(insurer_id=user.insurer_id, coverage_end__gte=insurer_reach_starts(
        today=today, days=settings.INSURER_ACCESS_DAYS_AFTER_CONTRACT))
    if ended is True:
        qs = qs.filter(coverage_end__lt=today)
    elif ended is False:
        qs = qs.filter(coverage_end__gte=today)
    return qs


def contract_read_only(user, scheme_year) -> bool:
    """True when the user is insurer staff and the scheme year's contract has ended: its
    persons and insured list are then read masked only."""
    return user.role == Role.INSURER_STAFF and scheme_year.coverage_end < timezone.localdate()


def persons_visible_to(user) -> QuerySet[Person]:
    """The persons a user may see: all (commission), their street's (officers), those insured
    under their company's contracts still in reach (insurer staff), or none."""
    if not user.has_perm("enrollment.view_person"):
        return Person.objects.none()
    qs = Person.objects.select_related("street")
    if user.role == Role.INSURER_STAFF:
        return qs.filter(Exists(Policy.objects.filter(person=OuterRef("pk"),
                                                      scheme_year__in=insurer_years_in_reach(user))))
    return qs.filter(street__in=streets_of(user))


def may_unmask(user, person) -> bool:
    """Whether the user may see the person's full ID number, phone and account (with a reason,
    logged): holders of the permission, and for insurer staff only persons insured under a
    running contract of their company (an ended contract is read-only and masked)."""
    if not user.has_perm("enrollment.unmask_person"):
        return False
    if user.role == Role.INSURER_STAFF:
        return Policy.objects.filter(person=person, scheme_year__in=insurer_years_in_reach(user, ended=False)).exists()
    return True


def person_for_user_or_404(user, person_id) -> Person:
    """One person, or 404 whether it does not exist or is not the user's to see."""
    return get_object_or_404(persons_visible_to(user), pk=person_id)


# The persons list's sortable columns; names in pinyin order (the person_name_pinyin_idx
# index serves the default order, whatever the number of persons).
PERSON_SORTING = Sorting({
    "name": (Collate("name", PINYIN), "id"),
    "street": ("street__code", Collate("name", PINYIN), "id"),
    "category": ("category", Collate("name", PINYIN), "id"),
    "status": ("status", Collate("name", PINYIN), "id"),
    "assistance_start": (F("assistance_start").asc(nulls_last=True), "id"),
}, default="name")


def person_search(user, *, text: str = "", street_id=None, status: str = "", category: str = "",
                  scheme_year_id=None, sort: str = "name") -> QuerySet[Person]:
    """Persons matching a name fragment or the last 4 characters of the ID number, a street,
    a state, a category, and holding a policy of a scheme year; sorted (PERSON_SORTING)."""
    qs = persons_visible_to(user)
    text = text.strip()
    if text:
        if looks_like_id_tail(text):
            # Matches the person_id_last4_idx expression index.
            qs = qs.annotate(id_last4=Right("id_number", 4)).filter(id_last4=text.upper())
        else:
            qs = qs.filter(name__contains=text)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if scheme_year_id:
        qs = qs.filter(Exists(Policy.objects.filter(person=OuterRef("pk"), scheme_year_id=scheme_year_id)))
    return qs.order_by(*PERSON_SORTING.order(PERSON_SORTING.read(sort)))


def person_lookup(user, text: str, *, posted: bool, today) -> QuerySet[Person]:
    """The persons a user finds by what they typed: a name or the last 4 characters of the ID
    number (at most 30), or a full ID number, accepted only from a POST (S12: never in a URL).
    Raises RuleViolation for a full ID number in a URL or one that does not parse."""
    text = text.strip()
    if len(text) != 18:
        return person_search(user, text=text)[:30]
    if not posted:
        raise RuleViolation("id_in_url", "完整身份证号请通过查询按钮提交，不放在网址中。")
    return persons_visible_to(user).filter(id_number=parse_id_number(text, today=today).value)


def person_export_values(user, **filters):
    """The export's value tuples (exports.ROSTER_VALUES) for the persons the user may see,
    filtered and sorted as the list is, streamed from the database in chunks."""
    from .exports import ROSTER_VALUES

    return person_search(user, **filters).values_list(*ROSTER_VALUES).iterator(chunk_size=5000)


def person_counts_by_street(user) -> list[dict]:
    """Per street the user may see: active, deceased and removed persons (no names: finance
    and the home pages use it). One grouped count over the persons, every street on a line."""
    counts: dict[int, dict] = {}
    persons = Person.objects.all() if sees_all_streets(user) else Person.objects.filter(street__in=streets_of(user))
    for row in persons.values("street_id", "status").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["street_id"], {})[row["status"]] = row["n"]
    return [{"id": street.pk, "code": street.code, "name": street.name,
             **{key: counts.get(street.pk, {}).get(status, 0) for key, status in (
                 ("active", PersonStatus.ACTIVE), ("deceased", PersonStatus.DECEASED),
                 ("removed", PersonStatus.REMOVED))}}
            for street in streets_of(user).order_by("code")]


def eligible_categories(roster_year: int) -> frozenset[str]:
    """The assistance categories insured in a roster year: those of the scheme year starting in
    that year, or the death category alone when there is none yet (domain.md)."""
    from .models import SchemeYear

    year = SchemeYear.objects.filter(coverage_start__year=roster_year).order_by("coverage_start").first()
    return frozenset(year.eligible_categories if year else default_categories())


def roster_imports_visible_to(user) -> QuerySet[RosterImport]:
    """Imports are the commission admin's: everyone else sees none (and gets 404)."""
    if not user.has_perm("enrollment.import_roster"):
        return RosterImport.objects.none()
    return RosterImport.objects.select_related("created_by", "applied_by")


def roster_import_for_user_or_404(user, import_id) -> RosterImport:
    return get_object_or_404(roster_imports_visible_to(user), pk=import_id)


# The preview's tables: file order (the order rows were staged in), names in pinyin order,
# street, ID number.
ROW_SORTING = Sorting({
    "row": ("id",),
    "name": (Collate("name", PINYIN), "id"),
    "street": ("street__code", "street_text", "id"),
    "id_number": ("id_number", "id"),
}, default="row")


def roster_import_rows(roster_import: RosterImport, kind: str, sort: str = "row") -> QuerySet[RosterRow]:
    """One kind of report row of an import, in file order unless sorted otherwise, with the
    clerk's choices."""
    return (RosterRow.objects.filter(roster_import=roster_import, kind=kind)
            .select_related("street", "person", "choice").order_by(*ROW_SORTING.order(sort)))


# Fields whose cells are shown masked wherever the file's own cells are shown on a page (S10).
_MASKED_CELLS = {"id_number": mask_id_number, "spouse_id_number": mask_id_number, "phone": mask_phone,
                 "bank_account": mask_bank_account}


def roster_rows_side_by_side(roster_import: RosterImport, rows) -> dict[int, dict]:
    """For error rows that share their ID number with other rows of the file: row id →
    {"rows": [labels], "columns": [(the sheet's column name, [cells, one per row], differs)]} —
    the rows as the file has them next to each other, column by column, the columns the importer
    reads marked where they differ (序号 and other columns it does not read never count), personal
    numbers masked."""
    wanted = [r for r in rows if r.related]
    if not wanted:
        return {}
    condition = Q()
    for sheet, number in {(sheet, number) for r in wanted for sheet, number in r.related}:
        condition |= Q(sheet=sheet, row_number=number)
    others = {(r.sheet, r.row_number): r for r in RosterRow.objects.filter(
        condition, roster_import=roster_import, kind__in=["error", "skipped"])}
    sheets = {s["name"]: s for s in roster_import.sheets}
    several = len(roster_import.sheets) > 1
    result = {}
    for row in wanted:
        sheet = sheets.get(row.sheet, {"header": roster_import.header, "columns": {}})
        read = {index: field for field, index in sheet.get("columns", {}).items()}
        group = [row] + [others[tuple(p)] for p in row.related if tuple(p) in others]
        width = max(len(sheet["header"]), *(len(r.original) for r in group))
        columns = []
        for i in range(width):
            mask = _MASKED_CELLS.get(read.get(i))
            cells = [r.original[i] if i < len(r.original) else "" for r in group]
            if not any(cells):
                continue
            differs = i in read and len(set(cells)) > 1
            name = sheet["header"][i] if i < len(sheet["header"]) and sheet["header"][i] else f"第{i + 1}列"
            columns.append((name, [mask(c) if mask and c else c for c in cells], differs))
        result[row.pk] = {"rows": [f"{f'工作表“{r.sheet}”' if several else ''}第{r.row_number}行" for r in group],
                          "columns": columns}
    return result


def roster_import_cover_ended(roster_import: RosterImport) -> list[PolicyChange]:
    """The cover applying the import ended (deaths, removals, persons no longer listed): the
    change-list lines policies_sync wrote for the persons the import touched."""
    if roster_import.status != RosterImport.Status.APPLIED:
        return []
    touched = RosterRow.objects.filter(roster_import=roster_import, kind__in=[
        kind for kind in ("death", "removal", "missing") if kind in roster_import.applied_kinds])
    return list(PolicyChange.objects.filter(kind=PolicyChange.Kind.REMOVAL, created_at__gte=roster_import.applied_at,
                                            policy__person__in=touched.values("person"))
                .select_related("policy__person", "scheme_year").order_by("policy__person__name", "pk"))


def roster_import_unimported(roster_import: RosterImport):
    """(sheet, row number, kind label, messages, original cells) of every error and skipped
    row, in file order."""
    labels = dict(RosterRow.Kind.choices)
    rows = (RosterRow.objects.filter(roster_import=roster_import, kind__in=["error", "skipped"])
            .order_by("id").values_list("sheet", "row_number", "kind", "messages", "original"))
    return ((sheet, number, labels[kind], messages, original) for sheet, number, kind, messages, original in rows)


# --- Scheme years and policies -----------------------------------------------------------

def scheme_years_visible_to(user) -> QuerySet[SchemeYear]:
    """All scheme years for the commission and finance, their own contracts for insurer staff,
    none for officers (who see cover on each person's page)."""
    qs = SchemeYear.objects.select_related("insurer")
    if sees_all_streets(user):
        return qs
    if user.is_authenticated and user.role == Role.INSURER_STAFF:
        return qs.filter(pk__in=insurer_years_in_reach(user))
    return qs.none()


def scheme_year_for_user_or_404(user, scheme_year_id) -> SchemeYear:
    return get_object_or_404(scheme_years_visible_to(user), pk=scheme_year_id)


def current_scheme_year(today) -> SchemeYear | None:
    """The scheme year whose coverage includes `today`."""
    return SchemeYear.objects.filter(coverage_start__lte=today, coverage_end__gte=today).first()


def scheme_year_in_force(day) -> SchemeYear | None:
    """The scheme year whose coverage includes `day`, else the latest one that started before
    it (a day after the last year ended still follows that year's settings, and the home pages
    show that year until the next begins), else None. A year's name, dates and settings are no
    one's data: every role's pages may name it."""
    years = SchemeYear.objects.select_related("insurer").order_by("-coverage_start")
    return (years.filter(coverage_start__lte=day, coverage_end__gte=day).first()
            or years.filter(coverage_start__lte=day).first())


def policies_visible_to(user) -> QuerySet[Policy]:
    """Policies of the persons the user may see; insurer staff see their company's."""
    if not user.has_perm("enrollment.view_person"):
        return Policy.objects.none()
    qs = Policy.objects.select_related("person__street", "scheme_year__insurer")
    if sees_all_streets(user):
        return qs
    if user.role == Role.INSURER_STAFF:
        return qs.filter(scheme_year__in=insurer_years_in_reach(user))
    return qs.filter(person__street__in=streets_of(user))


def policy_for_user_or_404(user, policy_id) -> Policy:
    return get_object_or_404(policies_visible_to(user), pk=policy_id)


# A year's policy list: sortable columns (names in pinyin order) and states.
POLICY_SORTING = Sorting({
    "number": ("number",),
    "name": (Collate("person__name", PINYIN), "number"),
    "street": ("person__street__code", "number"),
    "cover_start": ("cover_start", "number"),
    "cover_end": ("cover_end", "number"),
    "days_used": ("days_used", "number"),
}, default="number")
POLICY_STATES = {
    "active": ("保障中", Q(end_reason="")),
    "ended": ("已终止（死亡、减员）", ~Q(end_reason="")),
    "added": ("年中增员", Q(cover_start__gt=F("scheme_year__coverage_start"))),
    "reinstated": ("恢复参保（有未在保期间）", ~Q(cover_gaps=[])),
}


def policy_search(user, scheme_year: SchemeYear, *, text: str = "", street_id=None, state: str = "",
                  sort: str = "number") -> QuerySet[Policy]:
    """A scheme year's policies the user may see, by name, last 4 of the ID or policy number,
    street and state (POLICY_STATES), sorted (POLICY_SORTING)."""
    qs = policies_visible_to(user).filter(scheme_year=scheme_year)
    text = text.strip()
    if text:
        if text.upper().startswith("TZ"):
            qs = qs.filter(number__iexact=text)
        else:
            qs = qs.filter(pk__in=person_search(user, text=text).values("policies"))
    if street_id:
        qs = qs.filter(person__street_id=street_id)
    if state in POLICY_STATES:
        qs = qs.filter(POLICY_STATES[state][1])
    return qs.order_by(*POLICY_SORTING.order(POLICY_SORTING.read(sort)))


def policy_totals(policies: QuerySet[Policy]) -> dict:
    """Count and paid days of a filtered policy list (one aggregate)."""
    return policies.order_by().aggregate(count=Count("pk"), days_used=Coalesce(Sum("days_used"), 0))


def policy_changes(scheme_year: SchemeYear) -> QuerySet[PolicyChange]:
    """The change list for the insurer (增减员清单), oldest first."""
    return (PolicyChange.objects.filter(scheme_year=scheme_year)
            .select_related("policy__person__street", "created_by").order_by("effective_date", "pk"))


def contract_amendments(scheme_year: SchemeYear) -> list[tuple]:
    """The year's contract amendments, each with its changes as people read them: (amendment,
    [(setting, old, new)]), by the same formatter as the change history."""
    fields = {f.name: f for f in SchemeYear._meta.fields}
    return [(a, [(str(fields[name].verbose_name) if name in fields else name,
                  display_value(fields.get(name), old), display_value(fields.get(name), new))
                 for name, (old, new) in a.changes.items()])
            for a in scheme_year.amendments.select_related("created_by")]


def policy_counts(scheme_year: SchemeYear) -> dict:
    """The year's policies: total, ended (death, removal) and added mid-year. Read it only
    after scheme_year_for_user_or_404."""
    return Policy.objects.filter(scheme_year=scheme_year).aggregate(
        total=Count("pk"), ended=Count("pk", filter=~Q(end_reason="")),
        added=Count("pk", filter=~Q(cover_start=scheme_year.coverage_start)))


def insured_list_values(user, scheme_year: SchemeYear):
    """The 承保清单's value tuples (exports.INSURED_VALUES) of the policies the user may see,
    streamed from the database in chunks."""
    from .exports import INSURED_VALUES

    return (policies_visible_to(user).filter(scheme_year=scheme_year).order_by("number")
            .values_list(*INSURED_VALUES).iterator(chunk_size=5000))


def certificate_policies(user, scheme_year: SchemeYear, street_id=None) -> QuerySet[Policy]:
    """The policies whose certificates a batch prints, in street and number order."""
    qs = policies_visible_to(user).filter(scheme_year=scheme_year, cover_end__gte=F("cover_start"))
    if street_id:
        qs = qs.filter(person__street_id=street_id)
    return qs.order_by("person__street__code", "number")


def premium_settlement_for(scheme_year: SchemeYear):
    """(settlement, lines) for a scheme year; lines are the additions, removals and
    reinstatements with their covered days and amounts (the days of a gap left out). Read it
    only after scheme_year_for_user_or_404."""
    from datetime import timedelta

    from .rules import Cover, premium_settlement

    rows = list(Policy.objects.filter(scheme_year=scheme_year).order_by("number").values_list(
        "pk", "number", "person__name", "person__id_number", "person__street__name",
        "cover_start", "cover_end", "end_reason", "cover_gaps"))
    coverage = Cover(scheme_year.coverage_start, scheme_year.coverage_end)
    covers = [Cover(r[5], r[6], tuple(Cover(g.lower, g.upper - timedelta(days=1)) for g in r[8])) for r in rows]
    settlement = premium_settlement(premium=scheme_year.premium_per_person,
                                    proration=scheme_year.proration, coverage=coverage, covers=covers)
    lines = []
    for row, cover, amount in zip(rows, covers, settlement.amounts):
        added = cover.start != coverage.start
        if added or row[7] or cover.gaps:
            kind = "、".join(k for k, on in (("增员", added), ("减员", bool(row[7] or cover.gaps)),
                                             ("恢复", bool(cover.gaps))) if on)
            reason = Policy.EndReason(row[7]).label if row[7] else ""
            lines.append({"number": row[1], "name": row[2], "id_number": row[3], "street": row[4],
                          "kind": kind, "cover_start": cover.start,
                          "cover_end": cover.end, "days": cover.days, "amount": amount, "end_reason": reason,
                          "gaps": "、".join(f"{g.start:%Y-%m-%d} 至 {g.end:%Y-%m-%d}" for g in cover.gaps),
                          # 减员（死亡）, but a removal is just 减员, not 减员（减员）
                          "described": f"{kind}（{reason}）" if reason and not kind.endswith(reason) else kind})
    return settlement, lines


# --- Figures for the home dashboards -----------------------------------------------------------

def _policies_in_streets(user, scheme_year: SchemeYear) -> QuerySet[Policy]:
    """The scheme year's policies of persons in the user's streets (no street filter, and no
    join, for those who see them all)."""
    qs = Policy.objects.filter(scheme_year=scheme_year)
    if sees_all_streets(user):
        return qs
    # The street ids as values: the planner then walks the street's persons into their
    # policies instead of joining every policy of the year.
    return qs.filter(person__street_id__in=list(streets_of(user).values_list("pk", flat=True)))


def insured_per_street(user, scheme_year: SchemeYear, *, on_roster_only: bool = False) -> dict[int, int]:
    """Persons insured in the scheme year (a policy with cover) per street the user may see: the
    "insured" of the dashboards and the denominator of claims per 100 insured; with
    `on_roster_only`, those still on the roster (active: the families a notice goes to)."""
    qs = _policies_in_streets(user, scheme_year).filter(cover_end__gte=F("cover_start"))
    if on_roster_only:
        qs = qs.filter(person__status=PersonStatus.ACTIVE)
    rows = qs.values("person__street_id").annotate(n=Count("pk")).order_by()
    return {row["person__street_id"]: row["n"] for row in rows}


def policy_cover_groups(user, scheme_year: SchemeYear) -> list:
    """(cover window with its gaps, number of policies) of the scheme year's policies in the
    user's streets: a few hundred distinct windows however many persons, which is all the
    premium rules need (a reinstated policy's unpaid gap is part of its window, as in
    premium_settlement_for)."""
    from datetime import timedelta

    from .rules import Cover

    rows = (_policies_in_streets(user, scheme_year).values("cover_start", "cover_end", "cover_gaps")
            .annotate(n=Count("pk")).order_by())
    return [(Cover(row["cover_start"], row["cover_end"],
                   tuple(Cover(g.lower, g.upper - timedelta(days=1)) for g in row["cover_gaps"])), row["n"])
            for row in rows]


def premium_months(user, scheme_year: SchemeYear):
    """The scheme year's premium settlement per monthly period (rules.premium_by_period) for the
    policies of the user's streets: the headcount on each period's first day and the premium
    that falls to it, adding up to the settlement's total."""
    from .rules import Cover, premium_by_period

    return premium_by_period(premium=scheme_year.premium_per_person, proration=scheme_year.proration,
                             coverage=Cover(scheme_year.coverage_start, scheme_year.coverage_end),
                             groups=policy_cover_groups(user, scheme_year))
