from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Hospital stays, claims and payments (住院、理赔、支付)."""

    name = "claims"
    verbose_name = "理赔"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import jobs  # noqa: F401  (registers the job runners)
        from . import home  # noqa: F401  (registers the home panels)
        from .tallies import sync_workday_calendar_after_migrate

        # The SLA tallies count working days from a calendar kept in the database: every
        # `migrate` (so every deploy) makes it the official one of core.workdays again.
        post_migrate.connect(sync_workday_calendar_after_migrate, sender=self)

    def demo_data_steps(self):
        """The demo_data command's steps of this app: (title, loader(DemoContext))."""
        from . import demo

        return [("一年的理赔和材料", demo.load_demo)]

    def retention_kinds(self):
        """This app's kinds of data with a retention period (core/retention.py)."""
        from .retention import KIND

        return [KIND]
