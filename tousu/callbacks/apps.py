from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "tousu.callbacks"
    label = "callbacks"
    verbose_name = "回访"

    def ready(self) -> None:
        from django.db.models import Exists, OuterRef

        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.callbacks import services  # noqa: F401
        from tousu.callbacks.choices import CallbackStatus
        from tousu.callbacks.models import CallbackTask
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.complaints.services import archive_hold_register

        # Comments are anonymised with the customer at the end of retention (R12.2).
        redactor_register("callbacks.callbacktask", model_texts_redactor(CallbackTask, ["comment"]))
        # A complaint whose callback is still pending stays out of the archive until it is
        # recorded (or ends unreachable): the team must be able to record it.
        archive_hold_register(
            "callbacks.pending",
            lambda: Exists(
                CallbackTask.objects.filter(complaint=OuterRef("pk"), status=CallbackStatus.PENDING)
            ),
        )
