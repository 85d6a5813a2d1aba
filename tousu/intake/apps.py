from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tousu.intake"
    label = "intake"
    verbose_name = "受理"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.intake import risk, rules  # noqa: F401
