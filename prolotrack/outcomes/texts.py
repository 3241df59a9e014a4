"""Official item wording: loaded by a clinic from its licensed text pack, never shipped."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from prolotrack.audit.services import audit_record
from prolotrack.core.errors import InvalidInput
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.models import InstrumentText

MAX_TEXT_LENGTH = 2_000


def _check_pack(pack: Any) -> tuple[str, str, str, dict[str, str]]:
    if not isinstance(pack, dict):
        raise InvalidInput("the text pack must be a JSON object")
    code = str(pack.get("instrument", "")).upper()
    definition = instrument_definitions().get(code)
    if definition is None:
        raise InvalidInput(f"unknown instrument {pack.get('instrument')!r}")
    language = pack.get("language")
    if not isinstance(language, str) or not 2 <= len(language) <= 16:
        raise InvalidInput("language must be a code such as 'en' or 'fr-CA'")
    items = pack.get("items")
    if not isinstance(items, dict) or not items:
        raise InvalidInput("items must be an object of item id -> text")
    known = {item.id for item in definition.items}
    for item_id, text in items.items():
        if item_id not in known:
            raise InvalidInput(f"{code} has no item {item_id!r}")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
            raise InvalidInput(
                f"{code} item {item_id}: text must be 1-{MAX_TEXT_LENGTH} characters"
            )
    name = str(pack.get("name") or f"{code} {language}")[:200]
    return code, language, name, {str(k): v.strip() for k, v in items.items()}


@transaction.atomic
def text_pack_load(pack: Any, *, source: str) -> int:
    """Replace the wording for one instrument and language; all or nothing."""
    code, language, name, items = _check_pack(pack)
    InstrumentText.objects.filter(instrument_code=code, language=language).delete()
    InstrumentText.objects.bulk_create(
        InstrumentText(
            instrument_code=code, language=language, item_id=item_id, text=text, pack_name=name
        )
        for item_id, text in items.items()
    )
    audit_record(
        actor=None,
        action="instrument_text.load",
        detail={
            "instrument": code,
            "language": language,
            "items": len(items),
            "source": source[:100],
        },
    )
    return len(items)


def item_texts(code: str, language: str = "en") -> dict[str, str]:
    """Loaded official wording for an instrument, item id -> text (empty when none is loaded)."""
    return dict(
        InstrumentText.objects.filter(instrument_code=code, language=language).values_list(
            "item_id", "text"
        )
    )
