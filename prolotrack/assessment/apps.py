from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "prolotrack.assessment"
    label = "assessment"
    verbose_name = "Assessment: response to treatment, next-step suggestions and decisions"
