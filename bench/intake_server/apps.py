from django.apps import AppConfig


class IntakeServerConfig(AppConfig):
    name = "bench.intake_server"
    label = "intake_server"
    default_auto_field = "django.db.models.BigAutoField"
