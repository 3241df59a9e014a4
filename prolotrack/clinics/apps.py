from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "prolotrack.clinics"
    label = "clinics"
    verbose_name = "Clinics and staff"
