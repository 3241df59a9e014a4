"""An injection at one site with the session's planned protocol syringe: what the knee map
records when a clinician chooses a site.

The session stores its planned syringes (`Session.planned_syringes`, from the protocol's
default syringes, see `safety.deviations`). A site in one of them takes that syringe's volume,
concentrations, approach, guidance and needle; a site in none of them (or a session without a
plan) has no defaults, and the caller sends the clinician to the full injection form instead.
No writes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from prolotrack.core.errors import ApplicationError
from prolotrack.knowledge import injection_sites
from prolotrack.treatment.models import Session


@dataclass(frozen=True)
class SiteDefaults:
    """The injection fields for `site_code` from the planned syringe named `syringe_label`;
    `needle_gauge` is None when the protocol gives no needle for that syringe."""

    syringe_label: str
    fields: dict[str, Any]
    needle_gauge: int | None

    def values(self, *, needle_gauge: int | None) -> dict[str, Any]:
        """The fields for `injection_add`; the protocol's needle wins over the one given."""
        gauge = self.needle_gauge if self.needle_gauge is not None else needle_gauge
        if gauge is None:
            site = injection_sites()[self.fields["site_code"]]
            raise ApplicationError(
                f"The {self.syringe_label} syringe of the protocol names no needle for "
                f"{site.label}: enter the needle gauge, then choose the site again.",
                field="needle_gauge",
            )
        return {**self.fields, "needle_gauge": gauge}


def site_defaults(session: Session, site_code: str) -> SiteDefaults | None:
    """The first planned syringe of the session that includes the site, as injection fields."""
    if site_code not in injection_sites():
        raise ApplicationError("Choose a site from the injection site catalogue.", field="site")
    for syringe in session.planned_syringes or []:
        if site_code in syringe.get("site_codes", []):
            gauge = syringe.get("needle_gauge")
            return SiteDefaults(
                syringe_label=str(syringe["label"]),
                fields={
                    "site_code": site_code,
                    "approach": syringe["approach"],
                    "guidance": syringe["guidance"],
                    "volume_ml": Decimal(syringe["volume_ml"]),
                    "dextrose_pct": Decimal(syringe["dextrose_pct"]),
                    "lidocaine_pct": Decimal(syringe["lidocaine_pct"]),
                },
                needle_gauge=int(gauge) if gauge is not None else None,
            )
    return None
