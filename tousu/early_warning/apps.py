from django.apps import AppConfig


class EarlyWarningConfig(AppConfig):
    name = "tousu.early_warning"
    label = "early_warning"
    verbose_name = "预警"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        # Intake tells us of each new complaint after commit; it may not import us (layers).
        from tousu.early_warning import (
            receivers,
            rules,  # noqa: F401
        )
        from tousu.intake.signals import complaint_registered

        complaint_registered.connect(
            receivers.on_complaint_registered, dispatch_uid="early_warning.incident_propose"
        )
