from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "tousu.callbacks"
    label = "callbacks"
    verbose_name = "回访"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.callbacks import services  # noqa: F401

        # Their texts are anonymised with the customer at the end of retention (R12.2).
        from tousu.callbacks.models import CallbackTask
        from tousu.complaints.retention import model_texts_redactor, redactor_register

        redactor_register("callbacks.callbacktask", model_texts_redactor(CallbackTask, ["comment"]))
