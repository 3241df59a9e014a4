"""The tenant (clinic), its staff and their roles."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person who signs in. What they may see comes from their memberships."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    is_demo = models.BooleanField(
        default=False, help_text="Created by the demo loader; exists in demo mode only."
    )

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [  # one person, one account: "Alice" and "alice" are the same name
            models.UniqueConstraint(
                Lower("username"),
                name="clinics_user_username_ci_unique",
                violation_error_message="This username is taken.",
            )
        ]


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    CLINIC_ADMIN = "clinic_admin", "Clinic administrator"
    RESEARCHER = "researcher", "Researcher"


class Clinic(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.role})"
