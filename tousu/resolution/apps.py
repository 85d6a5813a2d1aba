from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "tousu.resolution"
    label = "resolution"
    verbose_name = "处理"

    def ready(self) -> None:
        # Declares the reasons this app writes, so that any page or job can render them.
        # Their texts are anonymised with the customer at the end of retention (R12.2).
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.resolution import rules  # noqa: F401
        from tousu.resolution.models import Approval, Evidence, HandlingRecord, Remedy

        for model, fields in (
            (HandlingRecord, ["steps"]),
            (Evidence, ["original_name", "description"]),
            (Remedy, ["note"]),
            (Approval, ["note"]),
        ):
            redactor_register(model._meta.label_lower, model_texts_redactor(model, fields))
