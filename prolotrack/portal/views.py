"""The home questionnaire: opened with a signed link, no account, no patient identifiers shown.

Every answer saves as it is tapped (htmx posts the form on each change and gets a short status
back); a plain Save button does the same without JavaScript. Submit completes every open
questionnaire of the link at once, uses the link up and thanks the patient. A link that is
forged, expired, revoked or used gets one page that says only that it is not valid any more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper
from http import HTTPStatus
from typing import Concatenate, ParamSpec

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from prolotrack.audit.services import audit_record
from prolotrack.core.errors import ApplicationError, NotFound
from prolotrack.domain.instruments import InstrumentDefinition
from prolotrack.knowledge.check_in import check_in
from prolotrack.knowledge.instruments import instrument_definitions
from prolotrack.outcomes.links import (
    link_close_if_done,
    link_open,
    link_open_for_report,
    link_open_items,
)
from prolotrack.outcomes.models import AccessLink, Administration, AdministrationStatus, Channel
from prolotrack.outcomes.services import administration_complete, answers_save
from prolotrack.outcomes.texts import item_texts
from prolotrack.reports.portal import progress_link_available, progress_link_open
from prolotrack.reports.progress import progress_report
from prolotrack.safety.check_in import check_in_target
from prolotrack.web.forms.questionnaires import QuestionnaireForm
from prolotrack.web.presenters import SIDE_LABELS, recall_text

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

INVALID_TEMPLATE = "portal/invalid.html"
STATUS_TEMPLATE = "portal/_status.html"
LINK_TEMPLATE = "portal/link.html"
INVALID_TEXT = "This link is not valid any more. Please contact your clinic."
TEXT_LANGUAGE = "en"  # patients have no language field yet


def portal_page(*methods: str) -> Callable[[View[P]], View[P]]:
    """No login; only `methods`; any invalid link -> the one 404 page; private headers."""

    def decorate(view: View[P]) -> View[P]:
        allowed = require_http_methods(list(methods))(view)

        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            try:
                response = allowed(request, *args, **kwargs)
            except NotFound:
                response = _invalid(request)
            return _private(response)

        update_wrapper(wrapper, view)
        return wrapper

    return decorate


# The token is in the path, so no Referer may carry a path. "no-referrer" would do that too, but
# then browsers send `Origin: null` with a form POST (Fetch standard, "serializing a request
# origin"), which Django's CSRF check rightly refuses: the Save and Submit buttons would fail
# without JavaScript. "strict-origin" sends at most our scheme and host, never the path.
REFERRER_POLICY = "strict-origin"


def _private(response: HttpResponse) -> HttpResponse:
    """Nothing kept in caches, no Referer header carrying the token, not for search engines."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = REFERRER_POLICY
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _invalid(request: HttpRequest) -> HttpResponse:
    if _is_htmx(request):
        return _status(request, INVALID_TEXT, status=HTTPStatus.NOT_FOUND)
    return render(request, INVALID_TEMPLATE, {"message": INVALID_TEXT}, status=404)


def _status(request: HttpRequest, message: str, *, status: int = HTTPStatus.OK) -> HttpResponse:
    context = {"message": message, "ok": status == HTTPStatus.OK}
    return render(request, STATUS_TEMPLATE, context, status=status)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


@dataclass(frozen=True)
class HomeQuestionnaire:
    administration: Administration
    definition: InstrumentDefinition
    form: QuestionnaireForm
    knee: str
    recall: str


def _open_questionnaires(link: AccessLink, data: QueryDict | None) -> list[HomeQuestionnaire]:
    """The link's questionnaires that still take answers; none left means the link is spent."""
    definitions = instrument_definitions()
    questionnaires = []
    for index, administration in enumerate(link_open_items(link)):
        definition = definitions.get(administration.instrument_code)
        if definition is None or administration.status != AdministrationStatus.DUE:
            continue
        form = QuestionnaireForm(
            data,
            prefix=f"q{index}",
            definition=definition,
            texts=item_texts(definition.code, TEXT_LANGUAGE),
            answers=administration.answers,
        )
        knee = SIDE_LABELS.get(administration.side, "").lower()
        recall = recall_text(definition.recall_period)
        questionnaires.append(HomeQuestionnaire(administration, definition, form, knee, recall))
    if not questionnaires:
        raise NotFound("Nothing left to answer.")
    return questionnaires


def _page(
    request: HttpRequest,
    token: str,
    link: AccessLink,
    questionnaires: list[HomeQuestionnaire],
    *,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    context = {
        "token": token,
        "clinic_name": link.clinic.name,
        "questionnaires": questionnaires,
        "has_errors": any(q.form.errors for q in questionnaires),
        "check_in": check_in() if check_in_target(link) is not None else None,
    }
    return render(request, LINK_TEMPLATE, context, status=status)


@portal_page("GET")
def portal_link(request: HttpRequest, token: str) -> HttpResponse:
    link = link_open(token)
    questionnaires = _open_questionnaires(link, None)
    # TODO(outcomes): an audited read for the link (like course_sessions) would replace this.
    audit_record(
        actor=None,
        action="link.open",
        clinic_id=link.clinic_id,
        patient_id=link.patient_id,
        target=link,
        channel="portal",
        client_address=client_address(request),
    )
    return _page(request, token, link, questionnaires)


def _save_all(request: HttpRequest, questionnaires: list[HomeQuestionnaire]) -> bool:
    """Save what changed in each questionnaire; False when an answer was refused."""
    saved_all = True
    for questionnaire in questionnaires:
        form = questionnaire.form
        if not form.is_valid():
            saved_all = False
            continue
        answers = form.answers()
        if answers.items() <= questionnaire.administration.answers.items():
            continue  # nothing new: no write, no audit event
        try:
            answers_save(
                actor=None,
                administration=questionnaire.administration,
                answers=answers,
                channel=Channel.HOME,
                client_address=client_address(request),
            )
        except ApplicationError as error:
            if _closed_meanwhile(questionnaire.administration):
                continue
            form.add_error(None, error.message)
            saved_all = False
    return saved_all


def _closed_meanwhile(administration: Administration) -> bool:
    """Completed (or closed) since this request read it: by a second tap on Submit whose
    request overtook this one, or by the clinic. Not the patient's mistake, so not an error."""
    administration.refresh_from_db(fields=["status"])
    return administration.status != AdministrationStatus.DUE


@portal_page("POST")
def portal_save(request: HttpRequest, token: str) -> HttpResponse:
    """Autosave (htmx, answers a status fragment) and the Save button (redirects back)."""
    link = link_open(token)
    questionnaires = _open_questionnaires(link, request.POST)
    saved = _save_all(request, questionnaires)
    if _is_htmx(request):
        if saved:
            return _status(request, "Saved")
        return _status(request, "Not saved: please check your answers.", status=400)
    if not saved:
        return _page(request, token, link, questionnaires, status=HTTPStatus.BAD_REQUEST)
    messages.success(request, "Your answers are saved. You can come back to this link later.")
    return redirect("portal_link", token=token)


@portal_page("POST")
def portal_submit(request: HttpRequest, token: str) -> HttpResponse:
    """Save, then complete every open questionnaire of the link together, then use it up."""
    link = link_open(token)
    questionnaires = _open_questionnaires(link, request.POST)
    if not _save_all(request, questionnaires) or not _complete_all(request, questionnaires):
        return _page(request, token, link, questionnaires, status=HTTPStatus.BAD_REQUEST)
    link_close_if_done(link)
    request.session[PROGRESS_SESSION_KEY] = token  # the thanks pages offer the progress page
    return redirect("portal_link_thanks", token=token)


def _complete_all(request: HttpRequest, questionnaires: list[HomeQuestionnaire]) -> bool:
    """All or none: a refused questionnaire leaves the others open (their answers saved).

    A questionnaire completed meanwhile is skipped, so submitting twice thanks the patient twice.
    """
    try:
        with transaction.atomic():
            for questionnaire in questionnaires:
                try:
                    administration_complete(
                        actor=None,
                        administration=questionnaire.administration,
                        answers=questionnaire.form.answers(),
                        channel=Channel.HOME,
                        client_address=client_address(request),
                    )
                except ApplicationError as error:
                    if _closed_meanwhile(questionnaire.administration):
                        continue
                    questionnaire.form.add_error(None, error.message)
                    raise
    except ApplicationError:
        return False
    return True


@portal_page("GET")
def portal_thanks(request: HttpRequest) -> HttpResponse:
    token = request.session.get(PROGRESS_SESSION_KEY)
    progress_url = None
    if isinstance(token, str) and progress_link_available(token):
        progress_url = reverse("portal_progress", kwargs={"token": token})
    return render(request, "portal/thanks.html", {"progress_url": progress_url})


@portal_page("GET")
def portal_link_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thanks after submitting, offering the check-in while the link can still report and the
    patient's progress page while the link shows it; a link that can do neither (expired,
    forged) gets the plain thanks."""
    progress_url = (
        reverse("portal_progress", kwargs={"token": token})
        if progress_link_available(token)
        else None
    )
    try:
        link = link_open_for_report(token)
    except NotFound:
        return render(request, "portal/thanks.html", {"progress_url": progress_url})
    offer = check_in() if check_in_target(link) is not None else None
    context = {
        "token": token,
        "clinic_name": link.clinic.name,
        "check_in": offer,
        "progress_url": progress_url,
    }
    return render(request, "portal/thanks.html", context)


# The link's token is kept in the (server-side) session after a submit, so that the thanks page,
# whose URL carries no token, can offer the patient's progress page.
PROGRESS_SESSION_KEY = "portal.progress_token"


@portal_page("GET")
def portal_progress(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's own progress (see `prolotrack.reports.portal` for when a link shows it)."""
    link = progress_link_open(token)
    report = progress_report(
        actor=None,
        patient=link.patient,
        purpose="portal",
        client_address=client_address(request),
    )
    context = {"report": report, "clinic_name": link.clinic.name}
    return render(request, "portal/progress.html", context)
