"""Who is acting, and from where: passed to every service so it can check access and audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prolotrack.clinics.models import User


@dataclass(frozen=True)
class Actor:
    user: User
    client_address: str = ""
    channel: str = "web"  # web | cli | system
