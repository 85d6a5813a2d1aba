from django.apps import AppConfig


class QualityConfig(AppConfig):
    """The management system around complaint handling (ISO 10002, S0): quality inspection,
    corrective and preventive action, controlled documents, records, management review."""

    name = "tousu.quality"
    label = "quality"
    verbose_name = "质量管理体系"
