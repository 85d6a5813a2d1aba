from django.apps import AppConfig


class RepairConfig(AppConfig):
    name = "tousu.repair"
    label = "repair"
    verbose_name = "不满意客户修复"

    def ready(self) -> None:
        # The callbacks app tells us after commit; it may not import us (ARCHITECTURE layers).
        from tousu.analytics.extensions import dashboard_panel_register, report_section_register
        from tousu.callbacks.signals import callback_recorded, surveys_imported
        from tousu.repair import receivers
        from tousu.repair.report import dashboard_panel, quarterly_section

        callback_recorded.connect(receivers.on_callback_recorded, dispatch_uid="repair.callback")
        surveys_imported.connect(receivers.on_surveys_imported, dispatch_uid="repair.surveys")
        dashboard_panel_register(dashboard_panel)
        report_section_register(quarterly_section)
