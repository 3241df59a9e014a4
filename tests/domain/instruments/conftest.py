"""The shipped instrument definitions, loaded once for the scoring tests."""

from __future__ import annotations

import pytest

from prolotrack.domain.instruments import InstrumentDefinition
from prolotrack.knowledge import instrument_definitions


@pytest.fixture(scope="session")
def koos() -> InstrumentDefinition:
    return instrument_definitions()["KOOS"]


@pytest.fixture(scope="session")
def womac() -> InstrumentDefinition:
    return instrument_definitions()["WOMAC"]


@pytest.fixture(scope="session")
def definitions() -> dict[str, InstrumentDefinition]:
    return dict(instrument_definitions())
