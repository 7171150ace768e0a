from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    """The insured persons (参保对象) and their roster."""

    name = "enrollment"
    verbose_name = "参保对象"

    def ready(self):
        from . import jobs  # noqa: F401  (registers the job runners)
        from . import home  # noqa: F401  (registers the home panels)
