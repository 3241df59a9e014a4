from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "prolotrack.web"
    label = "web"
    verbose_name = "Clinician pages"
