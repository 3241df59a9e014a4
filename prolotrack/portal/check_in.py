"""The post-session check-in pages behind the questionnaire link (`/q/<token>/check-in/`).

Open while the link is genuine, unexpired and not revoked, also after the questionnaires were
submitted (see `safety.check_in` for why), and only once the link's course has a done session.
Anything else gets the portal's one "not valid" page. Nothing identifying is shown.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from prolotrack.audit.services import audit_record
from prolotrack.core.errors import ApplicationError, NotFound
from prolotrack.knowledge.check_in import check_in
from prolotrack.outcomes.links import link_open_for_report
from prolotrack.outcomes.models import AccessLink
from prolotrack.portal.forms import CheckInForm
from prolotrack.portal.views import client_address, portal_page
from prolotrack.safety.check_in import CheckInTarget, check_in_report, check_in_target

FORM_TEMPLATE = "portal/check_in.html"
SENT_TEMPLATE = "portal/check_in_sent.html"


def _open(token: str) -> tuple[AccessLink, CheckInTarget]:
    link = link_open_for_report(token)
    target = check_in_target(link)
    if target is None:
        raise NotFound("Nothing to report on.")
    return link, target


def _form_page(
    request: HttpRequest,
    token: str,
    link: AccessLink,
    form: CheckInForm,
    *,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    context = {"token": token, "clinic_name": link.clinic.name, "form": form, "wording": check_in()}
    return render(request, FORM_TEMPLATE, context, status=status)


@portal_page("GET", "POST")
def portal_check_in(request: HttpRequest, token: str) -> HttpResponse:
    link, target = _open(token)
    wording = check_in()
    data = request.POST if request.method == "POST" else None
    form = CheckInForm(data, wording=wording, onset_days=target.onset_choices(wording))
    if data is None:
        audit_record(
            actor=None,
            action="check_in.open",
            clinic_id=link.clinic_id,
            patient_id=link.patient_id,
            target=link,
            channel="portal",
            client_address=client_address(request),
        )
        return _form_page(request, token, link, form)
    if form.is_valid():
        try:
            check_in_report(
                link=link, answers=form.answers(), client_address=client_address(request)
            )
        except NotFound:
            raise
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except ValidationError as error:  # a model rule; the report was not saved
            form.add_error(None, " ".join(error.messages))
        else:
            return redirect("portal_check_in_sent", token=token)
    return _form_page(request, token, link, form, status=HTTPStatus.BAD_REQUEST)


@portal_page("GET")
def portal_check_in_sent(request: HttpRequest, token: str) -> HttpResponse:
    link = link_open_for_report(token)
    context = {"clinic_name": link.clinic.name, "wording": check_in()}
    return render(request, SENT_TEMPLATE, context)
