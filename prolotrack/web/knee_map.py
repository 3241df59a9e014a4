"""The knee injection map: the site catalogue's markers per view, with what was injected.

The drawing is in `templates/web/knee_map/`; each site's position per view is data in
`knowledge/sites/injection_sites.toml` (`[[sites.map]]`). A marker says how many injections the
site had in this session and in the course's earlier sessions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prolotrack.knowledge import injection_sites
from prolotrack.knowledge.catalogue import MAP_VIEW_WIDTH, MAP_VIEWS
from prolotrack.treatment.models import INJECTABLE_SESSION_STATUSES, Injection, Session
from prolotrack.treatment.selectors import sites_injected_before
from prolotrack.web.forms.knee_map import MapAddForm

VIEW_TITLES = {"anterior": "Front", "medial": "Medial side", "lateral": "Lateral side"}
VIEW_GAP = 15
MARKER_SIZE = 24


@dataclass(frozen=True)
class MapMarker:
    code: str
    label: str
    x: int
    y: int
    count: int  # injections at this site in this session
    earlier: int  # injections at this site in the course's earlier sessions

    @property
    def left(self) -> int:
        return self.x - MARKER_SIZE // 2

    @property
    def top(self) -> int:
        return self.y - MARKER_SIZE // 2

    @property
    def state(self) -> str:
        """now (injected in this session), earlier (only before), or none."""
        return "now" if self.count else ("earlier" if self.earlier else "none")


@dataclass(frozen=True)
class MapView:
    name: str
    title: str
    offset_x: int
    markers: list[MapMarker]


def knee_map(*, injections: Iterable[Injection], earlier: Mapping[str, int]) -> list[MapView]:
    """The three views with one marker per site position, in catalogue order."""
    now = Counter(injection.site_code for injection in injections)
    views = []
    for index, name in enumerate(MAP_VIEWS):
        markers = [
            MapMarker(
                code=site.code,
                label=site.label,
                x=position.x,
                y=position.y,
                count=now[site.code],
                earlier=earlier.get(site.code, 0),
            )
            for site in injection_sites().values()
            for position in site.map
            if position.view == name
        ]
        offset = index * (MAP_VIEW_WIDTH + VIEW_GAP)
        views.append(MapView(name, VIEW_TITLES[name], offset, markers))
    return views


def session_map_context(
    session: Session, injections: Iterable[Injection], *, can_document: bool, **state: Any
) -> dict[str, Any]:
    """The map for the session pages; clickable for staff who document an injectable session.
    `state` carries what the last map action left to show (map_message, map_form)."""
    return {
        "knee_map": knee_map(injections=injections, earlier=sites_injected_before(session=session)),
        "map_interactive": can_document and session.status in INJECTABLE_SESSION_STATUSES,
        "map_message": state.get("map_message", ""),
        "map_form": state.get("map_form") or MapAddForm(),
    }
