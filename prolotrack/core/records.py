"""Saving clinical records: validate fully, bump the version, refuse stale edits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from django.db import models

from prolotrack.core.errors import Conflict
from prolotrack.core.models import VersionedModel

ModelT = TypeVar("ModelT", bound=models.Model)
RecordT = TypeVar("RecordT", bound=VersionedModel)


def record_create(record: ModelT) -> ModelT:
    """Validate every field and the model's own rules, then insert."""
    record.full_clean()
    record.save()
    return record


def record_update(
    record: RecordT, *, changes: Mapping[str, object], expected_version: int | None
) -> list[str]:
    """Apply `changes` to a row locked by the caller; return the names of fields that changed.

    `expected_version` is the version the editor saw; None skips the check (only for callers
    that hold the row lock for the whole read-modify-write, such as a CLI command).
    """
    if expected_version is not None and record.version != expected_version:
        raise Conflict(
            "This record was changed by someone else after you opened it. "
            "Reload it to see their change, then apply yours again."
        )
    changed = [name for name, value in changes.items() if getattr(record, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(record, name, changes[name])
    record.full_clean()
    record.version += 1
    record.save()
    return changed
