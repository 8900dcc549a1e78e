from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from rapport.core.two_factor import remember_state_at_login

        user_logged_in.connect(remember_state_at_login, dispatch_uid="rapport.core.two_factor")
