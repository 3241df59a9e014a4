"""The consent and aftercare texts: ``knowledge/consent.toml`` validated, then rendered.

Pure: no Django. The consent for a course is the file's sections, the course's plan (from its
protocol when it has one, clinical.md §1) and the risks from the adverse event catalogue (the
§4a frequencies). The aftercare default is the file's text plus the standing advice of
``contraindications.toml`` (NSAIDs, activity; §3).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from prolotrack.domain.protocols import Protocol
from prolotrack.knowledge.adverse_events import AdverseEventCatalogue
from prolotrack.knowledge.catalogue import KnowledgeError
from prolotrack.knowledge.screening import screening_rules

_MODEL_CONFIG = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_Text = Field(min_length=1)


class Aftercare(BaseModel):
    model_config = _MODEL_CONFIG

    title: str = _Text
    first_72_hours: str = _Text
    when_to_call: str = _Text
    advice_codes: tuple[str, ...] = ()
    staff_sentences: tuple[str, ...] = ()


class ConsentDocument(BaseModel):
    model_config = _MODEL_CONFIG

    version: str = _Text
    title: str = _Text
    purpose: str = _Text
    procedure: str = _Text
    expected_effects: str = _Text
    risks_intro: str = _Text
    alternatives: str = _Text
    voluntariness: str = _Text
    closing: str = _Text
    aftercare: Aftercare


@cache
def consent_document() -> ConsentDocument:
    """The shipped consent and aftercare wording (``knowledge/consent.toml``)."""
    path = files("prolotrack.knowledge").joinpath("consent.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        document = ConsentDocument.model_validate(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path.name}: cannot read the file: {error}") from error
    except ValidationError as error:
        raise KnowledgeError(f"{path.name}: {error}") from None
    advice = {item.code for item in screening_rules().advice}
    unknown = [code for code in document.aftercare.advice_codes if code not in advice]
    if unknown:
        raise KnowledgeError(f"{path.name}: aftercare.advice_codes: unknown advice {unknown}")
    return document


@dataclass(frozen=True)
class CoursePlan:
    """What the consent says about the course: its protocol (if any) and its sessions."""

    reference: str
    side: str
    sessions: int
    protocol: Protocol | None


def _paragraph(text: str) -> str:
    """One paragraph on one line (pages wrap it; the stored text stays easy to compare)."""
    return " ".join(text.split())


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _plan_text(plan: CoursePlan) -> str:
    lines = [
        f"Your plan: {plan.sessions} session(s) for your {plan.side} knee, "
        f"following {plan.reference}."
    ]
    if plan.protocol is not None:
        for syringe in plan.protocol.syringes:
            lidocaine = (
                f" with {_number(syringe.lidocaine_pct)} % lidocaine"
                if syringe.lidocaine_pct
                else ""
            )
            lines.append(
                f"{syringe.label}: dextrose {_number(syringe.dextrose_pct)} %{lidocaine}, "
                f"{_number(syringe.volume_ml)} mL per injection point."
            )
    return "\n".join(_paragraph(line) for line in lines)


def _risks_text(document: ConsentDocument, catalogue: AdverseEventCatalogue) -> str:
    items = [
        _paragraph(f"- {term.label}: {term.frequency}")
        for term in catalogue.terms.values()
        if term.in_consent
    ]
    if catalogue.published_trials:
        items.append(_paragraph(catalogue.published_trials))
    return "\n".join([_paragraph(document.risks_intro), *items])


def render_consent(
    document: ConsentDocument, catalogue: AdverseEventCatalogue, plan: CoursePlan
) -> str:
    """The consent text a patient reads and accepts for one course."""
    sections = [
        (document.title, ""),
        ("Why", _paragraph(document.purpose)),
        ("What happens", _paragraph(document.procedure) + "\n\n" + _plan_text(plan)),
        ("What to expect", _paragraph(document.expected_effects)),
        ("Risks", _risks_text(document, catalogue)),
        ("Alternatives", _paragraph(document.alternatives)),
        ("Your choice", _paragraph(document.voluntariness)),
        ("", _paragraph(document.closing)),
    ]
    parts = [f"{heading}\n{body}".strip() for heading, body in sections]
    footer = f"Document version {document.version}; risks {catalogue.version}."
    return "\n\n".join([*parts, footer]) + "\n"


def default_aftercare(document: ConsentDocument) -> str:
    """The shipped aftercare text, with the standing advice entries it names."""
    aftercare = document.aftercare
    advice = {item.code: item.text for item in screening_rules().advice}
    for code, text in advice.items():
        for sentence in aftercare.staff_sentences:
            text = text.replace(sentence, "")
        advice[code] = text
    parts = [
        aftercare.title,
        _paragraph(aftercare.first_72_hours),
        "When to call us\n" + _paragraph(aftercare.when_to_call),
        *(_paragraph(advice[code]) for code in aftercare.advice_codes),
    ]
    return "\n\n".join(parts) + "\n"
