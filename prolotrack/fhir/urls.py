from django.urls import path, re_path

from prolotrack.fhir import views

urlpatterns = [
    path("metadata", views.metadata, name="fhir_metadata"),
    path("openapi.json", views.openapi, name="fhir_openapi"),
    path("Patient", views.patient_type, name="fhir_patient_type"),
    path("Patient/_search", views.patient_search_post, name="fhir_patient_search"),
    path("Patient/<str:resource_id>", views.patient, name="fhir_patient"),
    path("Observation", views.observation_type, name="fhir_observation_type"),
    path("Observation/_search", views.observation_search_post, name="fhir_observation_search"),
    path("Observation/<str:resource_id>", views.observation, name="fhir_observation"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="fhir_not_found"),
]
