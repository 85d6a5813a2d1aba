from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "tousu.routing"
    label = "routing"
    verbose_name = "派单"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.routing import selectors  # noqa: F401
