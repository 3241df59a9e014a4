from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "prolotrack.signin"
    label = "signin"
    verbose_name = "Sign-in and sessions"

    def ready(self) -> None:
        from prolotrack.signin import receivers

        receivers.connect()
