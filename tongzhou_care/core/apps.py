from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Who is who: users, roles, streets, insurers; and what every app shares (scoping,
    masking, audit, the base pages)."""

    name = "tongzhou_care.core"
    label = "core"
    verbose_name = "用户与基础数据"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from . import dbroles  # noqa: F401  (registers its deploy check)
        from .dbroles import grant_runtime_privileges_after_migrate
        from . import retention  # noqa: F401  (registers the purge job and the periods' check)
        from .middleware import mark_login
        from .roles import sync_roles_after_migrate

        from .twofactor import mark_first_login

        user_logged_in.connect(mark_login, dispatch_uid="core.mark_login")
        user_logged_in.connect(mark_first_login, dispatch_uid="core.mark_first_login")
        # Every `migrate` re-applies the role matrix in roles.py, so groups always match code.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
        # ... and gives the runtime database role its privileges on the tables it made.
        post_migrate.connect(grant_runtime_privileges_after_migrate, sender=self)
