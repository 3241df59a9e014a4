"""Hypothesis over every form: no input gives a server error.

For each POST route of the permission matrix, the accepted body (tests/web/conftest.valid_post)
is mutated: fields replaced by arbitrary text (including control characters, huge numbers,
dates out of range, other ids), dropped, or joined by unknown fields. The page may accept or
refuse, but must answer below 500. Each example runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prolotrack.web.permissions import MATRIX
from tests.web.conftest import logged_in, valid_post
from tests.web.test_access import OBJECT_PAGES

OBJECT_ROWS = {name: (parameter, key) for name, parameter, key, _methods in OBJECT_PAGES}
POST_ROUTES = sorted(
    name for name, rule in MATRIX.items() if rule.kind == "object" and "POST" in rule.methods
)

ODD_VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e309",
            "NaN",
            "Infinity",
            "99999999999999999999999",
            "0001-01-01",
            "9999-12-31T23:59",
            "2026-02-30",
            "\x00",
            "' OR 1=1 --",
            "<script>x</script>",
            str(uuid.uuid4()),
            "on",
        ]
    ),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def mutated(draw: Any, body: dict[str, Any]) -> dict[str, Any]:
    data = dict(body)
    for key in list(data):
        choice = draw(st.integers(min_value=0, max_value=3))
        if choice == 0:
            data[key] = draw(ODD_VALUES)
        elif choice == 1:
            del data[key]
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=20), ODD_VALUES, max_size=3))
    data.update(extra)
    return data


@pytest.mark.parametrize("name", POST_ROUTES)
def test_no_input_makes_a_form_fail_with_a_server_error(objects_a, name):
    parameter, key = OBJECT_ROWS[name]
    url = reverse(name, kwargs={parameter: getattr(objects_a, key).public_id})
    body = valid_post(name, objects_a)
    assert_no_server_error(logged_in(objects_a.clinician), url, body, examples=15)


def assert_no_server_error(
    client: Client, url: str, body: dict[str, Any], *, examples: int
) -> None:
    """Post `examples` mutations of an accepted body (each rolled back): never a 500."""

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(data=mutated(body))
    def check(data: dict[str, Any]) -> None:
        with transaction.atomic():
            response = client.post(url, data)
            transaction.set_rollback(True)
        assert response.status_code < 500, (data, response.status_code)

    check()
