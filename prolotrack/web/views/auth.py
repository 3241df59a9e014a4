"""Sign in and sign out: Django's views with our template; the idle warning's keep-alive.

Django's login form calls `authenticate(request, ...)`, so django-axes sees the request and
the address of every attempt.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

login = auth_views.LoginView.as_view(
    template_name="web/login.html", redirect_authenticated_user=True
)
# Django's LogoutView accepts POST only; it then redirects to LOGOUT_REDIRECT_URL (/login/).
logout = auth_views.LogoutView.as_view()


@login_required
@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": the request itself resets the idle clock (SessionTimeoutMiddleware)."""
    return HttpResponse(status=204)
