from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "tousu.callbacks"
    label = "callbacks"
    verbose_name = "回访"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.callbacks import services  # noqa: F401
