"""The pure helpers behind the pages: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from prolotrack.patients.models import KneeCondition, MedicalHistory
from prolotrack.web.parsing import MAX_PLANNED_SESSIONS, SessionTimesError, parse_session_times
from prolotrack.web.presenters import conditions_by_side, history_summary


def test_session_times_parse_to_utc_in_the_order_given():
    text = "2026-03-02 09:30\n\n  2026-03-30T10:00  \n2026-03-16 08:00\n"
    assert parse_session_times(text) == [
        dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 30, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC),
    ]


def test_empty_text_plans_no_sessions():
    assert parse_session_times("  \n") == []


@pytest.mark.parametrize(
    ("text", "line"),
    [("2026-03-02 9.30", 1), ("2026-03-02 09:30\n2026-02-30 09:00", 2), ("tomorrow", 1)],
)
def test_a_bad_line_is_named(text, line):
    with pytest.raises(SessionTimesError, match=f"^Line {line}:"):
        parse_session_times(text)


def test_too_many_sessions_are_refused():
    text = "\n".join(f"2026-01-{day:02d} 09:00" for day in range(1, MAX_PLANNED_SESSIONS + 2))
    with pytest.raises(SessionTimesError, match="at most"):
        parse_session_times(text)


def test_history_summary_lists_what_is_recorded():
    history = MedicalHistory(
        on_anticoagulants=True,
        anticoagulant_name="apixaban",
        diabetes=True,
        hba1c_pct=Decimal("7.1"),
        hba1c_measured_on=dt.date(2026, 1, 5),
        arthroplasty_left=True,
    )
    assert history_summary(history) == [
        "On anticoagulants (apixaban)",
        "Diabetes, HbA1c 7.1 % on 2026-01-05",
        "Left knee arthroplasty",
    ]
    assert history_summary(MedicalHistory()) == []


def test_conditions_are_grouped_under_each_of_the_patients_knees():
    right = KneeCondition(side="right", icd10_code="M17.11")
    grouped = conditions_by_side([right], ("right", "left"))
    assert grouped == [("Right knee", [right]), ("Left knee", [])]


def test_forms_with_fieldsets_show_every_field():
    from prolotrack.clinics.models import Clinic
    from prolotrack.web.forms.patients import HistoryForm, PatientCreateForm

    clinics = [Clinic(id=1, name="One"), Clinic(id=2, name="Two")]
    for form in (
        HistoryForm(),
        PatientCreateForm(clinics=clinics, weight_clinic_ids={1}),
        PatientCreateForm(clinics=clinics[:1], weight_clinic_ids=set()),
    ):
        shown = [field.name for _, fields in form.fieldsets() for field in fields]
        assert sorted(shown) == sorted(field.name for field in form.visible_fields())
