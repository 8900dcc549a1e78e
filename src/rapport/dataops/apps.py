from django.apps import AppConfig


class DataopsConfig(AppConfig):
    name = "rapport.dataops"
    label = "dataops"
    verbose_name = "Data operations"
