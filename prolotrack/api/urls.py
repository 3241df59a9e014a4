from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt

from prolotrack.api.views import api


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


def _ninja_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """django-ninja's routes, with its root page (an HTML 404) answering JSON like the rest."""
    patterns, app_name, namespace = api.urls
    patterns = [
        path("", not_found, name="api-root")
        if isinstance(pattern, URLPattern) and pattern.name == "api-root"
        else pattern
        for pattern in patterns
    ]
    return patterns, app_name, namespace


urlpatterns = [
    path("v1/", _ninja_urls()),
    re_path(r"^(?P<rest>.*)$", not_found, name="api_not_found"),
]
