"""Row locks never block the foreign-key checks of audit rows (PostgreSQL deadlock guard).

Every audit row references its patient, user and clinic; inserting it takes a FOR KEY SHARE
lock on those rows. A service holding FOR UPDATE on the same patient (directly or through
`select_related`) while it waits for the audit chain's lock, and a reader holding the chain's
lock while its audit row waits for FOR KEY SHARE, deadlock. FOR NO KEY UPDATE excludes other
writers just the same but lets foreign-key checks through; we never change a primary key.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "prolotrack"
LOCK = re.compile(r"select_for_update\(([^)]*)\)")


def test_every_row_lock_is_for_no_key_update():
    found = []
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for match in LOCK.finditer(path.read_text(encoding="utf-8")):
            found.append((path.relative_to(PACKAGE).as_posix(), match.group(1)))
    assert len(found) >= 20
    assert [where for where, args in found if "no_key=True" not in args] == []
