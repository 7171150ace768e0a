"""Write paths of the core app: users and the access log."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .audit import audit_context
from .models import AccessLog, Insurer, User
from .roles import ADMIN_SITE_ROLES, group_name


@transaction.atomic
def user_save(*, user: User, actor: User | None, password: str | None = None) -> User:
    """Validate and save a user; their group and admin-site access follow from the role alone,
    so nobody can grant a capability outside the role matrix. Raises ValidationError."""
    with audit_context(actor, "user_save"):
        user.is_staff = user.role in ADMIN_SITE_ROLES
        if password is not None:
            user.set_password(password)
            user.password_changed_at = timezone.now()
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.set([Group.objects.get(name=group_name(user.role))] if user.role else [])
        user.user_permissions.clear()
    return user


@transaction.atomic
def insurer_save(*, insurer: Insurer, actor: User) -> Insurer:
    """Validate and save an insurer's name and hotline. Raises ValidationError."""
    with audit_context(actor, "insurer_save"):
        insurer.full_clean()
        insurer.save()
    return insurer


@transaction.atomic
def user_change_password(*, user: User, password: str) -> User:
    """Set a user's own new password (already validated by the form) and restart the expiry."""
    with audit_context(user, "user_change_password"):
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
    return user


def access_log_record(*, actor: User, action: str, target: str, detail: str = "",
                      rows: int | None = None, reason: str = "") -> AccessLog:
    """Record one read of unmasked data, export, import or download (S14), with the address
    of the client whose request it serves."""
    from .middleware import current_client_ip

    return AccessLog.objects.create(user=actor, action=action, target=target[:200],
                                    detail=detail[:500], rows=rows, reason=reason[:200],
                                    ip_address=current_client_ip())
