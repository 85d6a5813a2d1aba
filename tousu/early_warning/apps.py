from django.apps import AppConfig


class EarlyWarningConfig(AppConfig):
    name = "tousu.early_warning"
    label = "early_warning"
    verbose_name = "预警"
