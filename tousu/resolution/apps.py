from django.apps import AppConfig


class ResolutionConfig(AppConfig):
    name = "tousu.resolution"
    label = "resolution"
    verbose_name = "处理"
