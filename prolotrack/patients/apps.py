from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "prolotrack.patients"
    label = "patients"
    verbose_name = "Patients"
