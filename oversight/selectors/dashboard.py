"""Figure sets of the oversight home panels, each scoped to the user like the rows it counts
(S8): the commission's table of every street, and the officer's service and supervision
to-dos. Built from the scoped selectors of each app (enrollment, claims, oversight)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count

from claims.selectors.figures import claims_per_street, paid_per_street
from enrollment.models import SchemeYear
from enrollment.selectors import insured_per_street
from tongzhou_care.core.access import streets_of
from tongzhou_care.core.models import Street
from tongzhou_care.core.rules import percent_of

from ..rules.dashboard import per_hundred
from .complaints import complaints_visible_to
from .publicity import publicity_per_street

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StreetRow:
    street: Street
    insured: int              # persons insured in the scheme year
    claims: int               # claims of the scheme year (admitted in it)
    per_hundred: Decimal | None
    paid: Decimal             # paid by the year's policies
    complaints: int           # complaints of the street received in the year
    publicity: Decimal | None  # share of families told this year, percent
    findings: int = 0         # open findings: inspection findings addressed to the street not yet
                              # accepted or cancelled, and open data-check findings of the street


@dataclass(frozen=True)
class StreetTable:
    scheme_year: SchemeYear
    rows: list[StreetRow]
    total: StreetRow          # the district (street None)
    complaints_without_street: int


def complaints_per_street(user, scheme_year: SchemeYear) -> tuple[dict[int, int], int]:
    """Complaints received in the scheme year's coverage per street, of those the user may see,
    and how many belong to no street (about the commission or the insurer, with no family)."""
    rows = (complaints_visible_to(user).filter(received_on__gte=scheme_year.coverage_start,
                                               received_on__lte=scheme_year.coverage_end)
            .values("street_id").annotate(n=Count("pk")).order_by())
    counts = {row["street_id"]: row["n"] for row in rows}
    return {k: v for k, v in counts.items() if k is not None}, counts.get(None, 0)


def open_findings_per_street(user) -> dict[int, int]:
    """Open findings per street of those the user may see, whenever found: inspection findings
    addressed to the street still waiting on it or on the commission's check (待整改, 退回整改,
    待验收), and data-check findings of the street still open (two grouped counts)."""
    from ..models import AWAITING_PARTY, CheckFindingStatus, FindingStatus
    from .checks import check_findings_visible_to
    from .inspections import inspection_findings_visible_to

    counts: dict[int, int] = {}
    for qs, street in ((inspection_findings_visible_to(user).filter(
                           status__in=[*AWAITING_PARTY, FindingStatus.REPORTED], responsible_street__isnull=False),
                        "responsible_street_id"),
                       (check_findings_visible_to(user).filter(status=CheckFindingStatus.OPEN, street__isnull=False),
                        "street_id")):
        for row in qs.order_by().values(street).annotate(n=Count("pk")):
            counts[row[street]] = counts.get(row[street], 0) + row["n"]
    return counts


def street_table(user, scheme_year: SchemeYear) -> StreetTable:
    """Per street of the user's scope, for the scheme year: insured, claims, claims per 100
    insured, money paid, complaints, the share of families told (publicity), open findings;
    with the district's total line."""
    insured = insured_per_street(user, scheme_year)
    claims = claims_per_street(user, scheme_year)
    paid = paid_per_street(user, scheme_year)
    complaints, without_street = complaints_per_street(user, scheme_year)
    told = {p.street.pk: p for p in publicity_per_street(user, scheme_year)}
    findings = open_findings_per_street(user)
    rows = []
    for street in streets_of(user).order_by("code"):
        n, c = insured.get(street.pk, 0), claims.get(street.pk, 0)
        publicity = told.get(street.pk)
        rows.append(StreetRow(street, n, c, per_hundred(c, n), paid.get(street.pk, ZERO), complaints.get(street.pk, 0),
                              publicity.share if publicity else None, findings.get(street.pk, 0)))
    insured_total, claims_total = sum(r.insured for r in rows), sum(r.claims for r in rows)
    told_total = (sum(p.delivered for p in told.values()), sum(p.insured for p in told.values()))
    total = StreetRow(None, insured_total, claims_total, per_hundred(claims_total, insured_total),
                      sum((r.paid for r in rows), ZERO), sum(r.complaints for r in rows) + without_street,
                      percent_of(*told_total) if told else None, sum(r.findings for r in rows))
    return StreetTable(scheme_year, rows, total, without_street)


def officer_service_figures(user, scheme_year: SchemeYear | None, today: date) -> dict:
    """An officer's service to-dos: open survey tasks, persons not contacted this year, the
    street's publicity share, the complaints past their deadline addressed to them."""
    from .complaints import overdue_complaints_addressed_to
    from .service_log import persons_not_contacted
    from .surveys import open_survey_tasks

    figures = {"surveys": None, "not_contacted": None, "publicity": None, "complaints": None}
    if user.has_perm("oversight.conduct_survey"):
        tasks = open_survey_tasks(user).select_related("person")
        figures["surveys"] = {"count": tasks.count(), "first": list(tasks[:5])}
    if scheme_year is not None and user.has_perm("oversight.add_serviceentry"):
        figures["not_contacted"] = {"count": persons_not_contacted(user, scheme_year).count(), "year": scheme_year}
    if scheme_year is not None and user.has_perm("oversight.print_publicity"):
        rows = publicity_per_street(user, scheme_year)
        if len(rows) == 1:
            figures["publicity"] = rows[0]
    if user.has_perm("oversight.view_complaint"):
        overdue = overdue_complaints_addressed_to(user, today)
        figures["complaints"] = {"count": overdue.count(), "first": list(overdue[:5])}
    return figures


def open_check_findings_by_rule(user) -> list[dict]:
    """The data-check rules with open findings the user may see, most first: {rule, open,
    cleared} (cleared: no longer found by the latest run, still to be resolved by hand)."""
    from .checks import rule_summary

    if not user.has_perm("oversight.view_checkfinding"):
        return []
    return sorted((r for r in rule_summary(user) if r["open"]), key=lambda r: -r["open"])
