from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "prolotrack.safety"
    label = "safety"
    verbose_name = "Safety: screening, dose checks, adverse events and consent"
