from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "prolotrack.followup"
    label = "followup"
    verbose_name = "Follow-up: medication use, examinations and knee surgery"
