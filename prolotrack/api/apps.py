from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "prolotrack.api"
    label = "api"
    verbose_name = "API tokens and the JSON API"
