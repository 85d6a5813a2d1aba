from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tousu.intake"
    label = "intake"
    verbose_name = "受理"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.intake import risk, rules  # noqa: F401
        from tousu.intake.wording import approved_message_wording
        from tousu.messages.templates import provider_register

        # The messages' texts from the approved wording (knowledge): messages may not import
        # knowledge (siblings), intake sits above both.
        provider_register(approved_message_wording)
