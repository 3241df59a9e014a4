"""Benchmark: scoring 10,000 KOOS administrations one by one vs. the vectorised batch path.

Reported as a ratio against the single-administration loop measured in the same run (the
baseline), so the figure does not depend on the machine.
Run: `.venv/bin/python bench/bench_scoring.py`.
"""

from __future__ import annotations

import random
import time

import numpy as np
import pandas as pd

from prolotrack.domain.instruments import score
from prolotrack.domain.instruments.batch import score_frame
from prolotrack.knowledge.instruments import instrument_definitions

ROWS = 10_000
REPEATS = 3


def answers(seed: int) -> list[dict[str, int | None]]:
    rng = random.Random(seed)
    items = [item.id for item in instrument_definitions()["KOOS"].items]
    return [
        {item: (None if rng.random() < 0.05 else rng.randint(0, 4)) for item in items}
        for _ in range(ROWS)
    ]


def best_of(action: object) -> float:
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    koos = instrument_definitions()["KOOS"]
    rows = answers(seed=20261129)
    frame = pd.DataFrame(rows).astype("float64")
    single = best_of(lambda: [score(koos, row) for row in rows])
    batch = best_of(lambda: score_frame(koos, frame))
    looped = pd.DataFrame([score(koos, row).scores for row in rows]).astype("float64")
    batched = score_frame(koos, frame)[list(looped.columns)]
    assert np.array_equal(looped.to_numpy(), batched.to_numpy(), equal_nan=True)
    print(f"KOOS, {ROWS} administrations, best of {REPEATS}")
    print(f"  single loop (baseline): {single:.3f} s")
    print(f"  batch (score_frame):    {batch:.3f} s")
    print(f"  speed-up: {single / batch:.1f}x (same numbers: yes)")


if __name__ == "__main__":
    main()
