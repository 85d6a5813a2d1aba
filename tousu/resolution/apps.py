from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "tousu.resolution"
    label = "resolution"
    verbose_name = "处理"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.resolution import rules  # noqa: F401
