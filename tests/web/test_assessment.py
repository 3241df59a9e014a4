"""The chart's "Is it working?" section, the course page's next steps, and recording a decision."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prolotrack.assessment.models import Decision, Suggestion
from prolotrack.audit.models import AuditEvent
from tests.assessment.conftest import add_scores, make_course
from tests.web.conftest import logged_in


@pytest.fixture
def non_responder(patient_a, clinician_a):
    """Two sessions done, KOOS barely changed: the plan should be reviewed."""
    course = make_course(patient_a, clinician_a, done=2)
    add_scores(course, "KOOS", 0, {"pain": 50.0, "adl": 55.0})
    add_scores(course, "KOOS", 35, {"pain": 53.0, "adl": 56.0})
    return course


def chart(client, patient):
    return client.get(reverse("patient_chart", kwargs={"patient_id": patient.public_id}))


def decide_url(suggestion: Suggestion) -> str:
    return reverse("suggestion_decide", kwargs={"suggestion_id": suggestion.public_id})


def test_clinician_sees_change_mcid_omeract_and_the_suggestion_with_a_form(
    non_responder, patient_a, clinician_a
):
    response = chart(logged_in(clinician_a), patient_a)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Is it working?" in html
    assert 'data-score="KOOS.pain"' in html
    assert "≥ 10 points" in html
    assert "Paradowski" in html
    assert "Not a responder yet" in html
    assert "Review the plan with the patient" in html
    assert "After 2 sessions" in html
    suggestion = Suggestion.objects.get(course=non_responder, superseded_at__isnull=True)
    assert decide_url(suggestion) in html
    assert "Record decision" in html


def test_nurse_reads_the_suggestion_but_gets_no_form_and_may_not_decide(
    non_responder, patient_a, nurse_a
):
    html = chart(logged_in(nurse_a), patient_a).content.decode()
    assert "Review the plan with the patient" in html
    assert "Record decision" not in html
    assert "Waiting for a clinician" in html
    suggestion = Suggestion.objects.get(course=non_responder, superseded_at__isnull=True)
    response = logged_in(nurse_a).post(decide_url(suggestion), {"decision": "accept"})
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_front_desk_chart_has_no_response_section(non_responder, patient_a, front_desk_a):
    html = chart(logged_in(front_desk_a), patient_a).content.decode()
    assert "Is it working?" not in html
    assert "Review the plan" not in html


def test_decide_otherwise_without_a_reason_is_refused(non_responder, patient_a, clinician_a):
    client = logged_in(clinician_a)
    chart(client, patient_a)
    suggestion = Suggestion.objects.get(course=non_responder, superseded_at__isnull=True)
    response = client.post(
        decide_url(suggestion), {"decision": "otherwise", "alternative": "One more session"}
    )
    assert response.status_code == 400
    assert "Give the reason for deciding otherwise." in response.content.decode()
    assert not Decision.objects.exists()


def test_decision_recorded_and_listed_on_the_course(non_responder, patient_a, clinician_a):
    client = logged_in(clinician_a)
    chart(client, patient_a)
    suggestion = Suggestion.objects.get(course=non_responder, superseded_at__isnull=True)
    response = client.post(
        decide_url(suggestion),
        {
            "decision": "otherwise",
            "alternative": "Give one more session",
            "reason": "Patient wants to try once more",
        },
    )
    course_url = reverse("course_detail", kwargs={"course_id": non_responder.public_id})
    assert response.status_code == 302
    assert response["Location"] == course_url
    decision = Decision.objects.get(suggestion=suggestion)
    assert (decision.accepted, decision.clinician) == (False, clinician_a)
    assert AuditEvent.objects.filter(action="decision.record", object_id=str(decision.public_id))
    html = client.get(course_url).content.decode()
    assert "Decided otherwise: Give one more session" in html
    assert "Patient wants to try once more" in html
    assert clinician_a.get_username() in html
    assert "No open suggestion." in html
    again = client.post(decide_url(suggestion), {"decision": "accept"})
    assert again.status_code == 409
    assert Decision.objects.count() == 1


def test_accepting_needs_no_reason(non_responder, patient_a, clinician_a):
    client = logged_in(clinician_a)
    chart(client, patient_a)
    suggestion = Suggestion.objects.get(course=non_responder, superseded_at__isnull=True)
    assert client.post(decide_url(suggestion), {"decision": "accept"}).status_code == 302
    assert Decision.objects.get(suggestion=suggestion).accepted is True


def test_other_clinic_gets_404_and_no_decision(non_responder, patient_a, clinician_a, clinician_b):
    chart(logged_in(clinician_a), patient_a)
    suggestion = Suggestion.objects.get(course=non_responder, superseded_at__isnull=True)
    response = logged_in(clinician_b).post(decide_url(suggestion), {"decision": "accept"})
    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_admin_site_lists_suggestions_read_only_and_scoped(non_responder, patient_a, clinic_a):
    from tests.test_admin import superuser

    stored = Suggestion.objects.filter(course=non_responder).count()
    own = superuser("site-admin-a", clinic_a, "clinic_admin")
    client = logged_in(own)
    url = reverse("admin:assessment_suggestion_changelist")
    assert client.get(url).context["cl"].result_count == stored > 0
    stranger = logged_in(superuser("operator-2"))
    assert stranger.get(url).context["cl"].result_count == 0
    decisions = reverse("admin:assessment_decision_changelist")
    assert client.get(decisions).status_code == 200
