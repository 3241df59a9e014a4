"""CSV cells that a spreadsheet will not run as formulas (OWASP "CSV injection", ASVS 1.2.10).

A cell starting with `=`, `+`, `-`, `@`, a tab, a carriage return or a NUL may be taken as a
formula by spreadsheet programs; it gets a leading apostrophe, which they show as text. Every
other cell is written unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
