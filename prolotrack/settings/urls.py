from django.contrib import admin
from django.urls import include, path

from prolotrack.core.health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/", include("prolotrack.api.urls")),
    path("fhir/r4/", include("prolotrack.fhir.urls")),
    path("", include("prolotrack.web.urls")),
]
