from django.apps import AppConfig


class RepairConfig(AppConfig):
    name = "tousu.repair"
    label = "repair"
    verbose_name = "不满意客户修复"

    def ready(self) -> None:
        # The callbacks app tells us after commit; it may not import us (ARCHITECTURE layers).
        from tousu.analytics.extensions import (
            dashboard_panel_register,
            report_section_register,
            review_section_register,
        )
        from tousu.callbacks.signals import callback_recorded, surveys_imported
        from tousu.repair import receivers
        from tousu.repair.report import dashboard_panel, quarterly_section, review_section

        callback_recorded.connect(receivers.on_callback_recorded, dispatch_uid="repair.callback")
        surveys_imported.connect(receivers.on_surveys_imported, dispatch_uid="repair.surveys")
        dashboard_panel_register(dashboard_panel)
        report_section_register(quarterly_section)
        review_section_register(45, review_section)
        # The repair programme's notes are anonymised with the customer (retention, R12.2).
        from tousu.complaints.retention import model_texts_redactor, redactor_register
        from tousu.repair.models import RepairAction, RepairCase, RepairContact

        for model, fields, of in (
            (RepairCase, ["outcome"], "customer"),
            (RepairAction, ["note"], "case__customer"),
            (RepairContact, ["note"], "case__customer"),
        ):
            redactor_register(model._meta.label_lower, model_texts_redactor(model, fields, of=of))
