from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    """The insured persons (参保对象) and their roster."""

    name = "enrollment"
    verbose_name = "参保对象"

    def ready(self):
        from . import jobs  # noqa: F401  (registers the job runners)
        from . import home  # noqa: F401  (registers the home panels)

    def demo_data_steps(self):
        """The demo_data command's steps of this app: (title, loader(DemoContext))."""
        from . import demo

        return [("花名册导入（参保对象）", demo.load_persons), ("保险年度、保单和增减员", demo.load_scheme_years)]

    def retention_kinds(self):
        """This app's kinds of data with a retention period (core/retention.py)."""
        from .retention import KINDS

        return list(KINDS.values())
