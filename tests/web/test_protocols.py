"""The protocol library: published protocols with their unconfirmed parts flagged, and a
clinic's own copies, validated by the shipped loader and versioned (issue 4 item 1)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from prolotrack.audit.models import AuditEvent
from prolotrack.knowledge.protocols import protocols, shipped_protocol_text
from prolotrack.safety.models import ClinicProtocol
from tests.web.conftest import logged_in

RABAGO = "rabago_2013"


def _syringe_section(html: str, key: str) -> str:
    """The HTML of one syringe's table, from its heading to the next heading."""
    start = html.index(f"({key})</small></h3>")
    end = min(i for i in (html.find("<h3>", start), html.find("</section>", start)) if i != -1)
    return html[start:end]


def _row(section: str, label: str) -> str:
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", section, re.S)
    assert match is not None, label
    return match.group(1)


def test_library_lists_every_shipped_protocol_with_its_unconfirmed_count(clinician_a):
    html = logged_in(clinician_a).get(reverse("protocol_list")).content.decode()
    for found in protocols().values():
        assert reverse("protocol_detail", kwargs={"code": found.code}) in html
    count = len(protocols()[RABAGO].unconfirmed)
    assert count > 0
    assert f"{count} unconfirmed details" in html
    assert 'href="/protocols/"' in html  # the nav link


def test_detail_flags_the_unconfirmed_part_next_to_its_value(nurse_a):
    response = logged_in(nurse_a).get(reverse("protocol_detail", kwargs={"code": RABAGO}))
    html = response.content.decode()
    assert response.status_code == 200
    extra = _row(_syringe_section(html, "extra_articular"), "Lidocaine %")
    assert "<td>0.5</td>" in extra
    assert "Unconfirmed</span>" in extra
    assert "gives no lidocaine strength for the extra-articular solution" in extra
    intra = _row(_syringe_section(html, "intra_articular"), "Lidocaine %")
    assert "<td>0.5</td>" in intra
    assert "Unconfirmed" not in intra  # confirmed for the intra-articular mix
    assert "Dextrose %" in html
    assert "Unconfirmed parts" in html


def test_unknown_code_is_404(clinician_a):
    client = logged_in(clinician_a)
    assert client.get(reverse("protocol_detail", kwargs={"code": "no_such"})).status_code == 404
    assert client.post(reverse("protocol_copy", kwargs={"code": "no_such"})).status_code == 404
    assert not ClinicProtocol.objects.exists()


@pytest.mark.parametrize("persona", ["researcher_a", "front_desk_a"])
def test_non_clinical_roles_get_403(request, persona):
    client = logged_in(request.getfixturevalue(persona))
    assert client.get(reverse("protocol_list")).status_code == 403
    assert client.get(reverse("protocol_detail", kwargs={"code": RABAGO})).status_code == 403
    assert client.post(reverse("protocol_copy", kwargs={"code": RABAGO})).status_code == 403
    assert not ClinicProtocol.objects.exists()


def test_nurse_reads_but_does_not_copy(nurse_a):
    client = logged_in(nurse_a)
    assert client.post(reverse("protocol_copy", kwargs={"code": RABAGO})).status_code == 403
    assert not ClinicProtocol.objects.exists()


def _copy(client) -> ClinicProtocol:
    response = client.post(reverse("protocol_copy", kwargs={"code": RABAGO}))
    assert response.status_code == 302
    copy = ClinicProtocol.objects.get()
    assert response["Location"] == reverse(
        "clinic_protocol_detail", kwargs={"copy_id": copy.public_id}
    )
    return copy


def test_copy_creates_version_1_and_is_audited(clinician_a, clinic_a):
    client = logged_in(clinician_a)
    copy = _copy(client)
    assert (copy.clinic, copy.version, copy.code) == (clinic_a, 1, "clinic_a_rabago_2013")
    assert copy.code not in protocols()
    assert (copy.based_on_code, copy.based_on_version) == (RABAGO, protocols()[RABAGO].version)
    assert copy.document == shipped_protocol_text(RABAGO).replace(
        f'code = "{RABAGO}"', 'code = "clinic_a_rabago_2013"'
    )
    event = AuditEvent.objects.get(action="protocol.copy")
    assert (event.clinic_id, event.object_id) == (clinic_a.id, str(copy.public_id))
    # The copy page flags the same unconfirmed parts; copying again makes no second row.
    html = client.get(reverse("clinic_protocol_detail", kwargs={"copy_id": copy.public_id}))
    assert "Unconfirmed</span>" in _row(
        _syringe_section(html.content.decode(), "extra_articular"), "Lidocaine %"
    )
    assert client.post(reverse("protocol_copy", kwargs={"code": RABAGO})).status_code == 302
    assert ClinicProtocol.objects.count() == 1
    listing = client.get(reverse("protocol_list")).content.decode()
    assert str(copy.public_id) in listing


def test_edit_with_valid_toml_saves_version_2_and_keeps_version_1(admin_a):
    client = logged_in(admin_a)
    first = _copy(client)
    original = first.document
    edited = original.replace("lidocaine_pct = 0.5", "lidocaine_pct = 1", 1)
    assert edited != original
    url = reverse("clinic_protocol_edit", kwargs={"copy_id": first.public_id})
    assert client.get(url).status_code == 200
    response = client.post(url, {"document": edited})
    second = ClinicProtocol.objects.get(version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "clinic_protocol_detail", kwargs={"copy_id": second.public_id}
    )
    assert second.document == edited
    assert (second.code, second.clinic_id) == (first.code, first.clinic_id)
    first.refresh_from_db()
    assert first.document == original
    assert AuditEvent.objects.filter(action="protocol.edit", object_id=str(second.public_id))
    page = client.get(response["Location"]).content.decode()
    assert "Version 2" in page
    assert "Version 1" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text + "\n[broken\n", "not valid TOML"),
        (lambda text: text.replace("dextrose_pct = ", "dextrose_pct = 90 #", 1), "dextrose_pct"),
        (
            lambda text: text.replace('code = "clinic_a_rabago_2013"', 'code = "rabago_2013"'),
            "The code must stay",
        ),
        (
            lambda text: text.replace("[[unconfirmed]]", "[[unconfirmed]]\nodd = 1", 1),
            "unconfirmed entry 1: odd: Extra inputs are not permitted",
        ),
    ],
    ids=["toml", "loader", "code", "extra-field"],
)
def test_invalid_document_shows_the_error_and_saves_nothing(clinician_a, change, message):
    client = logged_in(clinician_a)
    copy = _copy(client)
    audit_count = AuditEvent.objects.count()
    url = reverse("clinic_protocol_edit", kwargs={"copy_id": copy.public_id})
    response = client.post(url, {"document": change(copy.document)})
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[
        html.index('class="error-summary"') : html.index("</div>", html.index("error-summary"))
    ]
    assert message in summary
    assert ClinicProtocol.objects.count() == 1
    assert not AuditEvent.objects.filter(action="protocol.edit").exists()
    assert AuditEvent.objects.count() == audit_count


def test_other_clinics_copy_is_404_on_get_and_post(clinician_a, clinician_b):
    copy = _copy(logged_in(clinician_a))
    other = logged_in(clinician_b)
    detail = reverse("clinic_protocol_detail", kwargs={"copy_id": copy.public_id})
    edit = reverse("clinic_protocol_edit", kwargs={"copy_id": copy.public_id})
    assert other.get(detail).status_code == 404
    assert other.get(edit).status_code == 404
    assert other.post(edit, {"document": copy.document}).status_code == 404
    assert ClinicProtocol.objects.count() == 1
    assert str(copy.public_id) not in other.get(reverse("protocol_list")).content.decode()
