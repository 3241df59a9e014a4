"""CSV formula-injection protection (security.md §6 item 22): property tests."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from prolotrack.domain.csv_cells import FORMULA_STARTS, neutralise


@given(st.sampled_from(FORMULA_STARTS), st.text())
def test_a_cell_that_could_run_as_a_formula_gets_a_leading_apostrophe(start, rest):
    assert neutralise(start + rest) == "'" + start + rest


@given(st.text().filter(lambda text: not text.startswith(FORMULA_STARTS)))
def test_every_other_cell_round_trips_through_a_csv_parser_unchanged(text):
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(text), "x"])
    (row,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert row == [text, "x"]


def test_none_is_an_empty_cell():
    assert neutralise(None) == ""
    assert neutralise(-3) == "'-3"
