"""A versioned set of response thresholds: per-score MCID/PASS and the OMERACT-OARSI numbers.

Plain frozen values built by `prolotrack.knowledge.thresholds` from ``thresholds.toml`` or a
clinic's override (same structure, its own `version`). Results computed with a set should be
stored with its `version`, as scores are stored with their instrument version.
"""

from __future__ import annotations

from dataclasses import dataclass

from prolotrack.domain.response import (
    OMERACT_SCALE_MAX,
    Change,
    McidRule,
    OmeractThresholds,
    Orientation,
    change,
)


@dataclass(frozen=True, slots=True)
class ScoreThreshold:
    """What counts as an important change (and an acceptable state) for one score.

    `mcid_points` is in the score's points, `mcid_relative` a fraction of the oriented baseline;
    `mcid_rule` is set only when both are. `pass_value` is on the score's own scale. `source`
    and `confirmed` cover every value of the entry.
    """

    instrument: str
    score: str
    direction: Orientation
    mcid_points: float | None
    mcid_relative: float | None
    mcid_rule: McidRule | None
    pass_value: float | None
    source: str
    confirmed: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class ThresholdSet:
    version: str
    source: str
    scores: tuple[ScoreThreshold, ...]
    omeract_oarsi: OmeractThresholds

    def for_score(self, instrument: str, score: str) -> ScoreThreshold | None:
        """The entry for one score (``"KOOS", "qol"``), or None when the set has none."""
        for entry in self.scores:
            if entry.instrument == instrument and entry.score == score:
                return entry
        return None


def change_for(
    threshold: ScoreThreshold,
    baseline: float,
    followup: float,
    *,
    scale_max: float = OMERACT_SCALE_MAX,
) -> Change:
    """`change` of one score against its entry (`scale_max` matters for higher-is-better)."""
    return change(
        baseline,
        followup,
        orientation=threshold.direction,
        mcid_points=threshold.mcid_points,
        mcid_relative=threshold.mcid_relative,
        mcid_rule=threshold.mcid_rule or "either",
        pass_value=threshold.pass_value,
        scale_max=scale_max,
    )
