"""Home questionnaire pages, under /q/. The only thing in these URLs is the signed token."""

from django.urls import path

from prolotrack.portal import check_in, views

urlpatterns = [
    path("thanks/", views.portal_thanks, name="portal_thanks"),
    path("<str:token>/", views.portal_link, name="portal_link"),
    path("<str:token>/save/", views.portal_save, name="portal_save"),
    path("<str:token>/submit/", views.portal_submit, name="portal_submit"),
    path("<str:token>/thanks/", views.portal_link_thanks, name="portal_link_thanks"),
    path("<str:token>/check-in/", check_in.portal_check_in, name="portal_check_in"),
    path("<str:token>/check-in/sent/", check_in.portal_check_in_sent, name="portal_check_in_sent"),
    path("<str:token>/progress/", views.portal_progress, name="portal_progress"),
]
