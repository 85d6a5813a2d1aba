from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "tousu.routing"
    label = "routing"
    verbose_name = "派单"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        # Transfer reasons are anonymised with the customer (retention, R12.2).
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.routing import selectors  # noqa: F401
        from tousu.routing.models import Transfer

        redactor_register("routing.transfer", model_texts_redactor(Transfer, ["reason"]))
