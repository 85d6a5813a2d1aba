from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "tousu.intake"
    label = "intake"
    verbose_name = "受理"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        from tousu.intake import risk, rules  # noqa: F401
        from tousu.intake.models import EmotionModel, RiskTerm
        from tousu.intake.selectors import assessment_config_changed

        # A term or model changed in this process is read at once, not after the cache's time.
        for model in (RiskTerm, EmotionModel):
            post_save.connect(assessment_config_changed, sender=model, weak=False)
            post_delete.connect(assessment_config_changed, sender=model, weak=False)
        from tousu.intake.wording import approved_message_wording
        from tousu.messages.templates import provider_register

        # The messages' texts from the approved wording (knowledge): messages may not import
        # knowledge (siblings), intake sits above both.
        provider_register(approved_message_wording)
