from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "tousu.routing"
    label = "routing"
    verbose_name = "派单"
