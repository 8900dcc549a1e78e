from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "rapport.common"
    label = "common"
