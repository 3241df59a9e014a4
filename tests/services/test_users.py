"""Staff accounts: one person, one account (security.md §6 items 7, 8, 9)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password
from django.core.exceptions import ValidationError

from prolotrack.audit.models import AuditEvent
from prolotrack.clinics.models import User
from prolotrack.clinics.services import user_create
from prolotrack.core.errors import ApplicationError

GOOD = "a long enough passphrase"


def test_a_username_differing_only_in_case_is_taken(db):
    user_create(actor=None, username="alice", password=GOOD)
    with pytest.raises(ApplicationError, match="taken"):
        user_create(actor=None, username="Alice", password=GOOD)
    assert User.objects.filter(username__iexact="alice").count() == 1
    assert AuditEvent.objects.filter(action="user.create").count() == 1


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("elevenchars", False),  # 11 characters
        ("twelve chars", True),  # exactly 12
        ("Password1234", False),  # on the common-password list (compared in lower case)
        ("correct horse battery staple " * 2 + "ok", True),  # 60+ characters, no digits
        ("123456789012345", False),  # entirely numeric
    ],
)
def test_password_rules(db, password, accepted):
    if accepted:
        user = user_create(actor=None, username="bob", password=password)
        assert check_password(password, user.password)
    else:
        with pytest.raises(ValidationError):
            user_create(actor=None, username="bob", password=password)
        assert not User.objects.filter(username="bob").exists()


def test_new_passwords_are_argon2id_in_the_production_hasher_list():
    from prolotrack.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = Argon2PasswordHasher().encode("twelve chars", Argon2PasswordHasher().salt())
    assert encoded.startswith("argon2$argon2id$")


def test_the_database_refuses_a_username_differing_only_in_case(db):
    from django.db import IntegrityError, transaction

    user_create(actor=None, username="carol", password=GOOD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="CAROL")
    assert User.objects.filter(username__iexact="carol").count() == 1
