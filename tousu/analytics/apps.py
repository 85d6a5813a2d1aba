from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tousu.analytics"
    label = "analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        # The management-review pack's satisfaction section; the apps above add theirs.
        from tousu.analytics.extensions import review_section_register
        from tousu.analytics.report_review import satisfaction_section

        review_section_register(40, satisfaction_section)
