from django.apps import AppConfig


class EmergencyConfig(AppConfig):
    name = "prolotrack.emergency"
    label = "emergency"
    verbose_name = "Emergency (break-glass) access"
