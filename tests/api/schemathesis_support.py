"""Shared pieces of the Schemathesis runs over the JSON and FHIR APIs."""

from __future__ import annotations

import contextlib
import copy
import json
import os
from collections.abc import Iterator
from typing import Any

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

WSGI = get_wsgi_application()
# Bounded so both runs stay under about a minute on two shared cores; raise locally with
# PROLOTRACK_FUZZ_EXAMPLES for a longer run.
EXAMPLES = int(os.environ.get("PROLOTRACK_FUZZ_EXAMPLES", "12"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
MISSING_ID = "7d5bd5a8-7f36-4c1b-9a43-2d1f0f1b8c11"


@contextlib.contextmanager
def keep_database_connection() -> Iterator[None]:
    """Django closes the database connection at the end of each WSGI request; the test's
    transaction must outlive the requests (the test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def plain(document: Any) -> dict[str, Any]:
    return copy.deepcopy(json.loads(json.dumps(document)))


def aim_at_real_ids(case: Any, ids: dict[str, list[str]]) -> None:
    """Point most generated path ids at seeded records (clinic A's, clinic B's) so the fuzzer
    reaches the handlers behind the lookups, not only 404s; every fourth keeps its random id.
    Deterministic in the generated value, so Hypothesis can still shrink a failure."""
    for name, value in list(case.path_parameters.items()):
        choices = ids.get(name)
        if not choices:
            continue
        pick = sum(str(value).encode("utf-8", "surrogatepass")) % (len(choices) + 1)
        if pick < len(choices):
            case.path_parameters[name] = choices[pick]
