from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The staff workbench: the pages and API about complaints as staff work them."""

    name = "tousu.desk"
    label = "desk"
    verbose_name = "工作台"
