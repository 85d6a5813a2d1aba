from django.apps import AppConfig


class QualityConfig(AppConfig):
    """The management system around complaint handling (ISO 10002, S0): quality inspection,
    corrective and preventive action, controlled documents, records, management review."""

    name = "tousu.quality"
    label = "quality"
    verbose_name = "质量管理体系"

    def ready(self) -> None:
        # Inspection: the quality scores on the dashboard (analytics may not import us).
        from tousu.analytics.extensions import dashboard_panel_register
        from tousu.quality.inspection_report import inspection_panel

        dashboard_panel_register(inspection_panel)
        # The management-review pack's sections (R12.3), placed by their order.
        from tousu.analytics.extensions import review_section_register
        from tousu.quality import review

        for order, section in (
            (10, review.objectives_section),
            (20, review.inspections_section),
            (30, review.capa_section),
            (50, review.documents_section),
            (60, review.audit_section),
        ):
            review_section_register(order, section)
