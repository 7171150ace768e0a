"""Reads of complaints (投诉), scoped: the commission sees all; insurer staff the complaints
about their company; an officer the complaints of their street unless they are about the
commission, and those they recorded; finance none."""

from datetime import date

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Role, User

from ..models.complaints import About, Complaint, ComplaintStatus
from ..rules.complaints import COMMISSION_ROLES, ComplaintFacts
from .common import scheme_year_in_force

DEFAULT_DEADLINE_DAYS = 15   # domain.md: when no scheme year exists yet


def complaints_visible_to(user) -> QuerySet[Complaint]:
    if not user.is_authenticated or not user.has_perm("oversight.view_complaint"):
        return Complaint.objects.none()
    qs = Complaint.objects.select_related("person", "street", "insurer", "handler")
    if sees_all_streets(user):
        return qs
    if user.role == Role.INSURER_STAFF:
        return qs.filter(about=About.INSURER, insurer_id=user.insurer_id)
    # An officer also keeps sight of what they recorded (a complaint about the commission, taken
    # from a family of their street, is otherwise the commission's alone).
    return qs.filter((Q(street__in=streets_of(user)) & ~Q(about=About.COMMISSION)) | Q(recorded_by=user))


def complaint_for_user_or_404(user, complaint_id) -> Complaint:
    return get_object_or_404(complaints_visible_to(user), pk=complaint_id)


def complaint_search(user, *, today: date, text: str = "", status: str = "", about: str = "", category: str = "",
                     street_id=None, overdue: bool = False, since: date | None = None,
                     until: date | None = None) -> QuerySet[Complaint]:
    """The complaints the user may see, by number (TS000042), complainant or person name,
    state, party, category, street, received dates, or only the overdue; newest first."""
    qs = complaints_visible_to(user)
    text = text.strip()
    if text:
        number = text.upper().removeprefix("TS")
        if text.upper().startswith("TS") and number.isdigit():
            qs = qs.filter(pk=int(number))
        else:
            qs = qs.filter(Q(complainant_name__startswith=text) | Q(person__name__startswith=text))
    if status:
        qs = qs.filter(status=status)
    if about:
        qs = qs.filter(about=about)
    if category:
        qs = qs.filter(category=category)
    if street_id:
        qs = qs.filter(street_id=street_id)
    if since:
        qs = qs.filter(received_on__gte=since)
    if until:
        qs = qs.filter(received_on__lte=until)
    if overdue:
        qs = qs.exclude(status=ComplaintStatus.CLOSED).filter(due_on__lt=today)
        return qs.order_by("due_on", "pk")
    return qs.order_by("-received_on", "-id")


def complaints_addressed_to(user) -> QuerySet[Complaint]:
    """What the user must act on: the commission every complaint; insurer staff their
    company's; an officer those about their street or assigned to them."""
    qs = complaints_visible_to(user)
    if user.role == Role.STREET_OFFICER:
        return qs.filter(Q(about=About.STREET) | Q(handler=user))
    return qs


def overdue_complaints_addressed_to(user, today: date) -> QuerySet[Complaint]:
    """Open complaints past their deadline that the user must act on, oldest deadline first."""
    return (complaints_addressed_to(user).exclude(status=ComplaintStatus.CLOSED)
            .filter(due_on__lt=today).order_by("due_on", "pk"))


def complaint_facts(complaint: Complaint) -> ComplaintFacts:
    return ComplaintFacts(status=complaint.status, about=complaint.about, insurer_id=complaint.insurer_id,
                          street_id=complaint.street_id)


def complaint_handler_choices(complaint: Complaint) -> QuerySet[User]:
    """Who may be given the complaint: active staff of the party complained about (the
    insurer's staff, the street's officers) and the commission's staff."""
    party = Q(role__in=COMMISSION_ROLES)
    if complaint.about == About.INSURER:
        party |= Q(role=Role.INSURER_STAFF, insurer_id=complaint.insurer_id)
    elif complaint.about == About.STREET:
        party |= Q(role=Role.STREET_OFFICER, street_id=complaint.street_id)
    return User.objects.filter(party, is_active=True).select_related("street", "insurer").order_by(
        "role", "street__code", "full_name", "pk")


def complaint_deadline_days(received_on: date) -> int:
    """The working days a complaint received that day has (the scheme year's setting)."""
    year = scheme_year_in_force(received_on)
    return year.complaint_deadline_days if year else DEFAULT_DEADLINE_DAYS


COMPLAINT_VALUES = ("pk", "received_on", "channel", "complainant_name", "complainant_relation", "person__name",
                    "about", "insurer__name", "street__name", "category", "content", "due_on", "status",
                    "handler__full_name", "reply", "replied_at", "satisfaction", "closed_on")


def complaint_values(user, **filters):
    """The complaint export's value tuples (COMPLAINT_VALUES), streamed in chunks."""
    return complaint_search(user, **filters).values_list(*COMPLAINT_VALUES).iterator(chunk_size=2000)
