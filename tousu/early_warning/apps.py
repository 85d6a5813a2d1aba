from django.apps import AppConfig


class EarlyWarningConfig(AppConfig):
    name = "tousu.early_warning"
    label = "early_warning"
    verbose_name = "预警"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.early_warning import rules  # noqa: F401
