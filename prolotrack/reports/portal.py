"""The patient's own progress page behind their questionnaire link (`/q/<token>/progress/`).

A questionnaire link is single-use for answering (`outcomes.links.link_open` refuses a used
link), but the progress page is what the patient sees *after* answering. So this page has its
own rule, decided here: the link must be genuine (the signature checks), not revoked, not
expired, and at least one of its questionnaires must be completed. It then stays readable until
the link expires, like the questionnaire itself would have. It shows that link's patient only,
and no name, birth date or record number (a forwarded link shows scores, never who they are).
"""

from __future__ import annotations

from django.core import signing
from django.utils import timezone

from prolotrack.core.errors import NotFound
from prolotrack.outcomes.links import SALT
from prolotrack.outcomes.models import AccessLink, AdministrationStatus

NOT_VALID = "This link is not valid any more."


def progress_link_open(token: str) -> AccessLink:
    """The link behind `token` if the patient may see their progress with it (see above)."""
    try:
        public_id = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise NotFound(NOT_VALID) from None
    link = (
        AccessLink.objects.select_related("clinic", "patient", "patient__clinic")
        .filter(public_id=public_id)
        .first()
    )
    if link is None or link.revoked_at or link.expires_at <= timezone.now():
        raise NotFound(NOT_VALID)
    if not link.administrations.filter(status=AdministrationStatus.COMPLETED).exists():
        raise NotFound(NOT_VALID)
    return link


def progress_link_available(token: str) -> bool:
    try:
        progress_link_open(token)
    except NotFound:
        return False
    return True
