from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Hospital stays, claims and payments (住院、理赔、支付)."""

    name = "claims"
    verbose_name = "理赔"

    def ready(self):
        from . import jobs  # noqa: F401  (registers the job runners)
        from . import home  # noqa: F401  (registers the home panels)

    def demo_data_steps(self):
        """The demo_data command's steps of this app: (title, loader(DemoContext))."""
        from . import demo

        return [("一年的理赔和材料", demo.load_demo)]

    def retention_kinds(self):
        """This app's kinds of data with a retention period (core/retention.py)."""
        from .retention import KIND

        return [KIND]
