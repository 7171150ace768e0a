from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Hospital stays, claims and payments (住院、理赔、支付)."""

    name = "claims"
    verbose_name = "理赔"

    def ready(self):
        from . import home  # noqa: F401  (registers the home panels)
