"""Reads of training (业务培训): the commission sees every session; everyone else the sessions
they attended. Streets without a trained officer are counted within the user's streets."""

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from enrollment.models import SchemeYear
from tongzhou_care.core.access import sees_all_streets, streets_of
from tongzhou_care.core.models import Role, Street, User

from ..models.training import TrainingAttendance, TrainingSession


def training_sessions_visible_to(user) -> QuerySet[TrainingSession]:
    if not user.is_authenticated or not user.has_perm("oversight.view_trainingsession"):
        return TrainingSession.objects.none()
    qs = TrainingSession.objects.annotate(attendee_count=Count("attendances"))
    if sees_all_streets(user):
        return qs
    return qs.filter(Exists(TrainingAttendance.objects.filter(session=OuterRef("pk"), user=user)))


def training_session_for_user_or_404(user, training_session_id) -> TrainingSession:
    return get_object_or_404(training_sessions_visible_to(user), pk=training_session_id)


def training_attendances_visible_to(user) -> QuerySet[TrainingAttendance]:
    """The attendance rows of the sessions the user may see."""
    return (TrainingAttendance.objects.filter(session__in=training_sessions_visible_to(user).values("pk"))
            .select_related("user__street", "user__insurer", "session"))


def training_sessions_in(user, scheme_year: SchemeYear | None) -> QuerySet[TrainingSession]:
    """The sessions the user may see held within the scheme year's coverage (all without one)."""
    qs = training_sessions_visible_to(user)
    if scheme_year is not None:
        qs = qs.filter(held_on__gte=scheme_year.coverage_start, held_on__lte=scheme_year.coverage_end)
    return qs.order_by("-held_on", "-pk")


def streets_without_trained_officer(user, scheme_year: SchemeYear) -> QuerySet[Street]:
    """The user's streets none of whose current (active) officers attended a session held in
    the scheme year, in code order. Empty for users who see no training."""
    if not user.is_authenticated or not user.has_perm("oversight.view_trainingsession"):
        return Street.objects.none()
    trained = TrainingAttendance.objects.filter(
        user__street=OuterRef("pk"), user__role=Role.STREET_OFFICER, user__is_active=True,
        session__held_on__gte=scheme_year.coverage_start, session__held_on__lte=scheme_year.coverage_end)
    return streets_of(user).exclude(Exists(trained)).order_by("code")


def training_attendee_choices() -> QuerySet[User]:
    """Who may be recorded as attending: active users of the programme's roles, by role, street
    and name (the session form lists them for the commission)."""
    return (User.objects.filter(is_active=True).exclude(role="").select_related("street", "insurer")
            .order_by("role", "street__code", "insurer__name", "full_name", "pk"))


TRAINING_VALUES = ("session__held_on", "session__topic", "session__trainer", "session__location", "user__full_name", "user__role", "user__street__name",
                   "user__insurer__name")


def training_attendance_values(user, scheme_year: SchemeYear | None):
    """One row per attendee of the sessions (TRAINING_VALUES), for the export."""
    qs = training_attendances_visible_to(user)
    if scheme_year is not None:
        qs = qs.filter(session__held_on__gte=scheme_year.coverage_start,
                       session__held_on__lte=scheme_year.coverage_end)
    return qs.order_by("-session__held_on", "session_id", "user__role", "user__street__code").values_list(
        *TRAINING_VALUES)
