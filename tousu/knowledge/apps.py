from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "tousu.knowledge"
    label = "knowledge"
    verbose_name = "知识库"

    def ready(self) -> None:
        # A case is anonymised when made; made before a pattern caught every way of writing a
        # number, it is anonymised again with the customer (retention, R12.2).
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.knowledge.models import Case

        redactor_register(
            "knowledge.case", model_texts_redactor(Case, ["title", "content", "outcome", "summary"])
        )
