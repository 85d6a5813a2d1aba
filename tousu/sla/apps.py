from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "tousu.sla"
    label = "sla"
    verbose_name = "时限"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.sla import rules  # noqa: F401
