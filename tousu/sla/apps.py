from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "tousu.sla"
    label = "sla"
    verbose_name = "时限"
