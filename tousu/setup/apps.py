from django.apps import AppConfig


class SetupConfig(AppConfig):
    """Installation-wide commands: init, demo, serve; and the reference data they load."""

    name = "tousu.setup"
    label = "setup"
