"""Retrying a write transaction that PostgreSQL aborted to keep transactions serializable.

PostgreSQL may abort a transaction with SQLSTATE 40001 (serialization failure) or 40P01
(deadlock detected); the transaction did nothing and the documented answer is to run it again
(postgresql.org/docs/current/mvcc-serialization-failure-handling.html). `retrying_atomic`
replaces `@transaction.atomic` on a service: the outermost call runs the function in its own
transaction and retries it up to `MAX_RETRIES` times; a call nested in an outer transaction
just joins it (only the outermost transaction can be retried as a whole).
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
MAX_RETRIES = 3

P = ParamSpec("P")
R = TypeVar("R")


def is_retryable(error: BaseException) -> bool:
    """True for a database error whose SQLSTATE says "run the transaction again"."""
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retrying_atomic(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            with transaction.atomic():
                return function(*args, **kwargs)
        retries = 0
        while True:
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except OperationalError as error:
                if retries >= MAX_RETRIES or not is_retryable(error):
                    raise
                retries += 1
                # Back off a little, with jitter, so the competing transactions drift apart.
                time.sleep(random.uniform(0, 0.01 * 2**retries))

    return run
