"""Home links: signed, expiring, single use, revocable; mails name no patient."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.utils import timezone

from prolotrack.core.errors import ApplicationError, NotFound
from prolotrack.outcomes import links, services
from prolotrack.outcomes.models import AccessLink, Administration, OutboxMessage
from prolotrack.treatment.services import course_plan
from tests.conftest import actor


@pytest.fixture
def due(patient_a, clinician_a):
    first = timezone.localdate() + dt.timedelta(days=2)
    course = course_plan(
        actor=actor(clinician_a),
        patient=patient_a,
        side="right",
        protocol_reference="Sit 2020",
        start_date=first,
        session_times=[dt.datetime.combine(first, dt.time(9), tzinfo=dt.UTC)],
    )
    return list(Administration.objects.filter(course=course, time_point="baseline"))


def test_issue_open_and_use_up(due, clinician_a):
    link = links.link_issue(actor=actor(clinician_a), administrations=due)
    token = links.link_token(link)
    assert str(link.public_id) in token  # the opaque link id, never a patient identifier
    assert links.link_open(token) == link
    assert link.expires_at == dt.datetime.combine(
        max(a.due_until for a in due) + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
    )
    for administration in due:
        assert not links.link_close_if_done(link)
        services.administration_complete(
            actor=None,
            administration=administration,
            answers=_all_ones(administration),
            channel="home",
        )
    assert links.link_close_if_done(link)
    with pytest.raises(NotFound):
        links.link_open(token)


@pytest.mark.parametrize("change", ["tampered", "expired", "revoked", "other_salt"])
def test_invalid_links(due, clinician_a, change):
    link = links.link_issue(actor=actor(clinician_a), administrations=due)
    token = links.link_token(link)
    if change == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif change == "expired":
        AccessLink.objects.filter(id=link.id).update(expires_at=timezone.now())
    elif change == "revoked":
        AccessLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    else:
        token = signing.Signer(salt="another-purpose").sign(str(link.public_id))
    with pytest.raises(NotFound):
        links.link_open(token)


def test_only_due_questionnaires_of_one_patient(due, clinician_a, clinic_a, make_patient):
    services.administrations_refresh(today=timezone.localdate() + dt.timedelta(days=30))
    for administration in due:
        administration.refresh_from_db()
    with pytest.raises(ApplicationError, match="due"):
        links.link_issue(actor=actor(clinician_a), administrations=due)
    with pytest.raises(ApplicationError):
        links.link_issue(actor=actor(clinician_a), administrations=[])


def test_demo_clinic_keeps_a_copy_and_mail_names_no_patient(
    due, clinician_a, mailoutbox, patient_a
):
    clinic = patient_a.clinic
    clinic.is_demo = True
    clinic.save()
    link = links.link_issue(actor=actor(clinician_a), administrations=due)
    links.link_email(link, kind="invitation")
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert links.link_url(link) in body
    for identifier in (patient_a.family_name, patient_a.given_name, patient_a.mrn):
        assert identifier not in body
    copy = OutboxMessage.objects.get()
    assert (copy.to, copy.body) == (patient_a.email, body)


def _all_ones(administration):
    from prolotrack.knowledge.instruments import instrument_definitions

    definition = instrument_definitions()[administration.instrument_code]
    return {item.id: item.scale.values[0] for item in definition.items}
