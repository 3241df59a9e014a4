"""The one door to courses, sessions and injections by id."""

from __future__ import annotations

from collections.abc import Collection

from prolotrack.clinics.access import access_scoped
from prolotrack.clinics.models import User
from prolotrack.treatment.models import Course, Injection, Session


def access_course(public_id: object, *, user: User, roles: Collection[str]) -> Course:
    return access_scoped(
        Course.objects.select_related("patient", "clinic"), public_id, user=user, roles=roles
    )


def access_session(public_id: object, *, user: User, roles: Collection[str]) -> Session:
    return access_scoped(
        Session.objects.select_related("course", "course__patient", "clinician"),
        public_id,
        user=user,
        roles=roles,
    )


def access_injection(public_id: object, *, user: User, roles: Collection[str]) -> Injection:
    return access_scoped(
        Injection.objects.select_related("session", "session__course", "session__course__patient"),
        public_id,
        user=user,
        roles=roles,
    )
