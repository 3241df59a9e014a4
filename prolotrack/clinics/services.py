"""Creating clinics, staff accounts and memberships."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.text import slugify

from prolotrack.audit.services import audit_record
from prolotrack.clinics.models import Clinic, Membership, Role, User
from prolotrack.core.actor import Actor
from prolotrack.core.errors import ApplicationError
from prolotrack.core.records import record_create


@transaction.atomic
def clinic_create(
    *, actor: Actor | None, name: str, slug: str = "", time_zone: str = "UTC", is_demo: bool = False
) -> Clinic:
    slug = slug or slugify(name)
    if Clinic.objects.filter(slug=slug).exists():
        raise ApplicationError(
            f"A clinic with the short name {slug!r} already exists.", field="slug"
        )
    clinic = record_create(Clinic(name=name, slug=slug, time_zone=time_zone, is_demo=is_demo))
    audit_record(actor=actor, action="clinic.create", clinic_id=clinic.id, target=clinic)
    return clinic


@transaction.atomic
def user_create(
    *,
    actor: Actor | None,
    username: str,
    password: str,
    clinic: Clinic | None = None,
    role: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
    is_demo: bool = False,
) -> User:
    """A staff account, optionally with a membership; the password must pass the validators."""
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(f"The username {username!r} is taken.", field="username")
    if role is not None and role not in Role.values:
        raise ApplicationError(
            f"Unknown role {role!r}; use one of {', '.join(Role.values)}.", field="role"
        )
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_superuser,
        is_superuser=is_superuser,
        is_demo=is_demo,
    )
    validate_password(password, user)
    user.set_password(password)
    record_create(user)
    audit_record(actor=actor, action="user.create", target=user)
    if clinic is not None and role is not None:
        membership_grant(actor=actor, user=user, clinic=clinic, role=role)
    return user


@transaction.atomic
def membership_grant(*, actor: Actor | None, user: User, clinic: Clinic, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, clinic=clinic, defaults={"role": role, "is_active": True}
    )
    audit_record(
        actor=actor,
        action="membership.grant",
        clinic_id=clinic.id,
        target=user,
        detail={"role": role},
    )
    return membership
