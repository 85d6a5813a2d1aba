from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tousu.accounts"
    label = "accounts"
    verbose_name = "用户与权限"
