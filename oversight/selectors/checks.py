"""Read paths of the data checks, scoped to the user (S8): the commission sees every finding;
a street officer the findings of their street (a person's, or a claim's street at report); the
insurer and finance none (the commission takes up what concerns the insurer through an
inspection finding addressed to it)."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from enrollment.selectors import persons_visible_to
from tongzhou_care.core.access import sees_all_streets, streets_of

from ..models.checks import CheckFinding, CheckFindingStatus, CheckRun
from ..rules.checks import CHECK_RULES, RULES_BY_NAME, describe


def check_findings_visible_to(user) -> QuerySet[CheckFinding]:
    """All findings (commission), the officer's street's, or none."""
    qs = CheckFinding.objects.select_related("person", "claim", "street", "handled_by")
    if not user.is_authenticated or not user.has_perm("oversight.view_checkfinding"):
        return qs.none()
    if sees_all_streets(user):
        return qs
    return qs.filter(street__in=streets_of(user))


def check_finding_for_user_or_404(user, check_finding_id) -> CheckFinding:
    return get_object_or_404(check_findings_visible_to(user), pk=check_finding_id)


def check_finding_search(user, *, rule: str = "", status: str = "", present: str = "", street_id=None,
                         since: date | None = None, until: date | None = None) -> QuerySet[CheckFinding]:
    """The findings the user may see, by rule, handling state, whether the latest run still
    found the condition, street and the day first found; newest first."""
    qs = check_findings_visible_to(user)
    if rule in RULES_BY_NAME:
        qs = qs.filter(rule=rule)
    if status in CheckFindingStatus.values:
        qs = qs.filter(status=status)
    if present == "present":
        qs = qs.filter(cleared_at__isnull=True)
    elif present == "cleared":
        qs = qs.filter(cleared_at__isnull=False)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if since:
        qs = qs.filter(first_found_at__date__gte=since)
    if until:
        qs = qs.filter(first_found_at__date__lte=until)
    return qs.order_by("-first_found_at", "-pk")


def rule_summary(user) -> list[dict]:
    """Per rule, in catalogue order: its findings the user may see, open (of which no longer
    found by the latest run), resolved, dismissed."""
    counts = {row["rule"]: row for row in check_findings_visible_to(user).order_by().values("rule").annotate(
        open=Count("pk", filter=Q(status=CheckFindingStatus.OPEN)),
        cleared=Count("pk", filter=Q(status=CheckFindingStatus.OPEN, cleared_at__isnull=False)),
        resolved=Count("pk", filter=Q(status=CheckFindingStatus.RESOLVED)),
        dismissed=Count("pk", filter=Q(status=CheckFindingStatus.DISMISSED)))}
    empty = {"open": 0, "cleared": 0, "resolved": 0, "dismissed": 0}
    return [{"rule": rule, **{k: counts.get(rule.name, empty)[k] for k in empty}} for rule in CHECK_RULES]


def check_runs_visible_to(user) -> QuerySet[CheckRun]:
    """The runs (when, by whom, what they found in all): the commission's."""
    if user.is_authenticated and user.has_perm("oversight.view_checkfinding") and sees_all_streets(user):
        return CheckRun.objects.select_related("started_by", "job")
    return CheckRun.objects.none()


def latest_run(user) -> CheckRun | None:
    return check_runs_visible_to(user).order_by("-started_at", "-pk").first()


def finding_rows(findings, *, today: date) -> list[dict]:
    """A page of findings with their sentence (rules.checks.describe)."""
    return [{"finding": f, "rule": RULES_BY_NAME.get(f.rule), "text": describe(f.rule, f.detail, today=today)}
            for f in findings]


def finding_others(user, finding: CheckFinding):
    """The other persons a finding names (an account shared between households) that the user
    may see; the others are only counted, never named."""
    ids = finding.detail.get("others") or []
    return persons_visible_to(user).filter(pk__in=ids).order_by("pk") if ids else persons_visible_to(user).none()


def check_finding_export_values(user, **filters):
    """The export's value tuples (exports.checks.EXPORT_VALUES) of the findings the user may
    see, filtered as the list is, streamed from the database in chunks."""
    from ..exports.checks import EXPORT_VALUES

    return check_finding_search(user, **filters).values_list(*EXPORT_VALUES).iterator(chunk_size=2000)


def check_home_figures(user) -> dict | None:
    """The home page's line: open findings the user may see, and whether they may handle them."""
    if not user.has_perm("oversight.view_checkfinding"):
        return None
    open_count = check_findings_visible_to(user).filter(status=CheckFindingStatus.OPEN).count()
    return {"open": open_count, "handles": user.has_perm("oversight.handle_checkfinding")}
