"""Server-side sessions of one user: find and end them all.

Sessions live in the database (Django's default engine), so ending a user's sessions means
deleting every unexpired row whose data names that user. A clinic has few concurrent sessions;
going through them is cheap and needs no extra table that could fall out of step.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

# Keys this package keeps in a signed-in session (seconds since the epoch).
SIGNED_IN_AT = "signin.signed_in_at"
LAST_SEEN = "signin.last_seen"


def session_keys_of(user_id: int) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id):
            keys.append(session.session_key)
    return keys


def sessions_end(user_id: int, *, keep: str | None = None) -> int:
    """Delete every session of the user (except `keep`); return how many were ended."""
    keys = [key for key in session_keys_of(user_id) if key != keep]
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)
