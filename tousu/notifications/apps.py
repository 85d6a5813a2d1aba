from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tousu.notifications"
    label = "notifications"
    verbose_name = "通知"
