from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "tousu.classification"
    label = "classification"
    verbose_name = "分类"
