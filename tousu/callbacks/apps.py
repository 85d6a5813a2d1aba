from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "tousu.callbacks"
    label = "callbacks"
    verbose_name = "回访"
