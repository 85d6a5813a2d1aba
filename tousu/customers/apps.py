from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "tousu.customers"
    label = "customers"
    verbose_name = "客户"
