from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tousu.intake"
    label = "intake"
    verbose_name = "受理"
