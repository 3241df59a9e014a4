"""Sign in and sign out: Django's views with our template."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

login = auth_views.LoginView.as_view(
    template_name="web/login.html", redirect_authenticated_user=True
)
# Django's LogoutView accepts POST only; it then redirects to LOGOUT_REDIRECT_URL (/login/).
logout = auth_views.LogoutView.as_view()
