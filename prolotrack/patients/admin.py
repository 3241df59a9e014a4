from django.contrib import admin

from prolotrack.core.admin import ClinicScopedReadOnlyAdmin
from prolotrack.patients.models import KneeCondition, MedicalHistory, Patient, WeightMeasurement


@admin.register(Patient)
class PatientAdmin(ClinicScopedReadOnlyAdmin[Patient]):
    list_display = ["mrn", "family_name", "given_name", "date_of_birth", "knees", "clinic"]
    list_filter = ["clinic", "knees"]
    search_fields = ["=mrn", "family_name"]


@admin.register(KneeCondition)
class KneeConditionAdmin(ClinicScopedReadOnlyAdmin[KneeCondition]):
    list_display = ["patient", "side", "icd10_code", "kl_grade", "onset_date"]
    list_filter = ["icd10_code", "side"]


@admin.register(MedicalHistory)
class MedicalHistoryAdmin(ClinicScopedReadOnlyAdmin[MedicalHistory]):
    list_display = ["patient", "on_anticoagulants", "diabetes", "pregnant"]


@admin.register(WeightMeasurement)
class WeightMeasurementAdmin(ClinicScopedReadOnlyAdmin[WeightMeasurement]):
    list_display = ["patient", "weight_kg", "measured_on"]
