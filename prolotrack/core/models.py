"""Abstract bases shared by the clinical apps."""

from __future__ import annotations

import uuid

from django.db import models


class TimestampedModel(models.Model):
    """Opaque public id for URLs and APIs, and creation/update instants (UTC)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimestampedModel):
    """An editable clinical record; `version` rises by one on every saved change.

    Update services compare the version the editor saw with the stored one and raise
    `Conflict` instead of overwriting someone else's change.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True
