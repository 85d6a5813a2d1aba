from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "tousu.resolution"
    label = "resolution"
    verbose_name = "处理"

    def ready(self) -> None:
        # The reasons this app writes are declared on import (rules), so that any page or job
        # can render them; its texts are anonymised with the customer at the end of retention.
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.resolution import rules  # noqa: F401
        from tousu.resolution.models import Approval, Evidence, HandlingRecord, Remedy
        from tousu.resolution.services import evidence_files_remove

        for model, fields in (
            (HandlingRecord, ["steps"]),
            (Evidence, ["original_name", "description"]),
            (Remedy, ["note"]),
            (Approval, ["note"]),
        ):
            redactor_register(model._meta.label_lower, model_texts_redactor(model, fields))
        # A file cannot be redacted: it is deleted (the row stays, with its digest).
        redactor_register(
            "resolution.evidence_file",
            lambda redaction, customer, pks: evidence_files_remove(pks),
        )
