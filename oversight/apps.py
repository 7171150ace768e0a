from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Supervision: service logs, inspections, data checks, complaints, reports (保障措施)."""

    name = "oversight"
    verbose_name = "监督管理"

    def ready(self):
        from .jobs import annual_report, checks, publicity  # noqa: F401  (register the job runners and the nightly schedule)
        from . import home  # noqa: F401  (registers the home panels)

    def demo_data_steps(self):
        """The demo_data command's steps of this app: (title, loader(DemoContext))."""
        from . import demo

        return [("服务台账、投诉、满意度调查和培训", demo.load_demo)]
