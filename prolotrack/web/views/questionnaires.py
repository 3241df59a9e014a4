"""Questionnaires in the clinic: fill in on the tablet, enter a paper form, email a home link;
and the demo outbox, where a demo clinic reads the emails it would have sent."""

from __future__ import annotations

import smtplib
import uuid
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from prolotrack.audit.services import audit_record
from prolotrack.clinics.access import CLINICAL_READ_ROLES, CLINICAL_WRITE_ROLES, clinics_for
from prolotrack.core.actor import Actor
from prolotrack.core.errors import AccessDenied, ApplicationError, NotFound
from prolotrack.domain.instruments import InstrumentDefinition
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.access import access_administration
from prolotrack.outcomes.links import link_email, link_issue
from prolotrack.outcomes.models import Administration, AdministrationStatus, Channel
from prolotrack.outcomes.selectors import administrations_of, outbox_for
from prolotrack.outcomes.services import administration_complete, answers_save
from prolotrack.outcomes.texts import item_texts
from prolotrack.patients.models import Patient
from prolotrack.web.actors import actor_for
from prolotrack.web.errors import page, submit
from prolotrack.web.forms.questionnaires import StaffQuestionnaireForm
from prolotrack.web.presenters import SIDE_LABELS, recall_text, time_point_label
from prolotrack.web.views.rendering import posted

OUTBOX_SHOWN = 50
TEXT_LANGUAGE = "en"  # patients have no language field yet


def _chart_url(patient: Patient) -> str:
    return reverse("patient_chart", kwargs={"patient_id": patient.public_id})


def _mode(request: HttpRequest) -> str:
    return Channel.PAPER if request.GET.get("mode") == Channel.PAPER else Channel.CLINIC


@page("GET", "POST")
def questionnaire_fill(request: HttpRequest, administration_id: uuid.UUID) -> HttpResponse:
    """GET shows the items (prefilled with saved answers); POST saves them or submits."""
    actor = actor_for(request)
    administration = access_administration(
        administration_id, user=actor.user, roles=CLINICAL_WRITE_ROLES
    )
    definition = instrument_definitions().get(administration.instrument_code)
    if definition is None:
        raise NotFound("Unknown instrument.")
    form = StaffQuestionnaireForm(
        posted(request),
        definition=definition,
        texts=item_texts(definition.code, TEXT_LANGUAGE),
        answers=administration.answers,
        prefix="answers",
        initial={"channel": _mode(request)},
    )
    finishing = request.POST.get("action") == "submit"
    result = submit(request, form, lambda data: _record(actor, administration, form, finishing))
    if result.saved is not None:
        messages.success(request, _saved_message(result.saved, definition.title, finishing))
        return redirect(_chart_url(administration.patient))
    if finishing and _completed_meanwhile(administration):
        # A second tap on Submit, or a colleague, got there first: say so, not "error".
        messages.info(request, f"{definition.title} was already submitted.")
        return redirect(_chart_url(administration.patient))
    if request.method == "GET":
        _audit_view(actor, administration)
    context = _fill_context(form, administration, definition)
    return render(request, "web/questionnaires/fill.html", context, status=result.status)


def _fill_context(
    form: StaffQuestionnaireForm, administration: Administration, definition: InstrumentDefinition
) -> dict[str, Any]:
    return {
        "form": form,
        "administration": administration,
        "definition": definition,
        "patient": administration.patient,
        "paper": form["channel"].value() == Channel.PAPER,
        "is_open": administration.status == AdministrationStatus.DUE,
        "time_point": time_point_label(administration.time_point),
        "knee": SIDE_LABELS.get(administration.side, ""),
        "recall": recall_text(definition.recall_period),
        "chart_url": _chart_url(administration.patient),
    }


def _record(
    actor: Actor, administration: Administration, form: StaffQuestionnaireForm, finishing: bool
) -> Administration:
    save = administration_complete if finishing else answers_save
    return save(
        actor=actor,
        administration=administration,
        answers=form.answers(),
        channel=form.cleaned_data["channel"],
    )


def _completed_meanwhile(administration: Administration) -> bool:
    administration.refresh_from_db(fields=["status"])
    return administration.status == AdministrationStatus.COMPLETED


def _saved_message(administration: Administration, title: str, finishing: bool) -> str:
    if finishing:
        return f"{title}: submitted and scored."
    return (
        f"{title}: {len(administration.answers)} answers saved. "
        "Open the questionnaire again to continue."
    )


def _audit_view(actor: Actor, administration: Administration) -> None:
    # TODO(outcomes): an audited read selector for one administration would replace this.
    audit_record(
        actor=actor,
        action="administration.view",
        clinic_id=administration.clinic_id,
        patient_id=administration.patient_id,
        target=administration,
    )


@page("POST")
def questionnaire_send_link(request: HttpRequest, administration_id: uuid.UUID) -> HttpResponse:
    """Email one link for every due questionnaire of this one's course and time point."""
    actor = actor_for(request)
    administration = access_administration(
        administration_id, user=actor.user, roles=CLINICAL_WRITE_ROLES
    )
    patient = administration.patient
    try:
        count = _send_link(actor, administration)
    except (NotFound, AccessDenied):
        raise  # pages, not messages: `page` renders them
    except ApplicationError as error:
        messages.error(request, error.message)
    except (smtplib.SMTPException, OSError):
        messages.error(request, "The email could not be sent. Try again later.")
    else:
        noun = "questionnaire" if count == 1 else "questionnaires"
        messages.success(request, f"Link for {count} {noun} emailed to {patient.email}.")
    return redirect(_chart_url(patient))


def _send_link(actor: Actor, administration: Administration) -> int:
    patient = administration.patient
    if not patient.email:
        raise ApplicationError("The patient has no email address: add one to send a link.")
    due = list(
        administrations_of(patient=patient).filter(
            course=administration.course,
            time_point=administration.time_point,
            status=AdministrationStatus.DUE,
        )
    )
    if administration not in due:
        raise ApplicationError("This questionnaire is not due: there is nothing to send.")
    # The link and its email stand or fall together: no link nobody was told about.
    with transaction.atomic():
        link = link_issue(actor=actor, administrations=due)
        link_email(link, kind="invitation")
    return len(due)


@page("GET")
def demo_outbox(request: HttpRequest) -> HttpResponse:
    """The emails demo clinics would have sent; it does not exist for other clinics."""
    actor = actor_for(request)
    if not any(clinic.is_demo for clinic in clinics_for(actor.user, CLINICAL_READ_ROLES)):
        raise NotFound("Not found.")
    sent = list(outbox_for(actor=actor)[:OUTBOX_SHOWN])
    return render(request, "web/questionnaires/outbox.html", {"sent": sent})
