from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from rapport.sales import handlers  # noqa: F401  (subscribes to the customers' events)
