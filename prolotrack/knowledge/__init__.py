"""Clinical knowledge as data with sources, validated on load. Imports nothing from Django."""

from prolotrack.knowledge.catalogue import (
    Approach,
    Category,
    Icd10Code,
    InjectionSite,
    KnowledgeError,
    Laterality,
    Region,
    VolumeRangeMl,
    code_fits_side,
    codes_for_side,
    icd10_choices,
    icd10_codes,
    injection_sites,
    site_choices,
)
from prolotrack.knowledge.instruments import (
    instrument_definition,
    instrument_definitions,
)

__all__ = [
    "Approach",
    "Category",
    "Icd10Code",
    "InjectionSite",
    "KnowledgeError",
    "Laterality",
    "Region",
    "VolumeRangeMl",
    "code_fits_side",
    "codes_for_side",
    "icd10_choices",
    "icd10_codes",
    "injection_sites",
    "instrument_definition",
    "instrument_definitions",
    "site_choices",
]
