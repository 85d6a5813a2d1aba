from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tousu.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        # Notices that quote a customer are anonymised with them (retention, R12.2).
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.notifications.models import Notification

        redactor_register(
            "notifications.notification",
            model_texts_redactor(Notification, ["text", "message"]),
        )
