from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "prolotrack.treatment"
    label = "treatment"
    verbose_name = "Courses, sessions and injections"
