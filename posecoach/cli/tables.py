"""Short terminal text: the exercises overview and the one-line result of a clip.

Text only, from specs and summaries already in memory; nothing here reads files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from posecoach.exercises.spec import ExerciseSpec
from posecoach.results.history import format_table

SIDES = {"per_side": "each side", "none": "-"}
SIDE_ORDER = ("L", "R", "both")


def _seconds(value: float) -> str:
    return f"{value / 60:g} min" if value >= 120 and value % 60 == 0 else f"{value:g} s"


def exercises_table(specs: Iterable[ExerciseSpec]) -> str:
    """One row per exercise: id, name, sides, hold and repetitions."""
    rows = []
    for spec in specs:
        dose = spec.dose
        reps = str(dose.reps_per_side)
        if spec.contract_relax is not None:
            reps += f" x {spec.contract_relax.cycles} cycles"
        rows.append([spec.id, spec.name, SIDES.get(spec.sides, spec.sides.replace("_", " ")),
                     _seconds(dose.hold_s), reps])
    table = format_table(["id", "name", "sides", "hold", "reps"], rows)
    return table + "\n\nDetails: posecoach exercises ID"


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def side_results(summary: Mapping[str, Any]) -> str:
    """Good-form seconds and peak hip extension per side, e.g.
    "good form L 18.9 s, R not done; peak hip extension L 21.3 deg"."""
    if not summary.get("exercise"):
        return ""
    sides = summary.get("sides")
    sides = dict(sides) if isinstance(sides, Mapping) else {}
    protocol = summary.get("protocol")
    if isinstance(protocol, Mapping) and protocol.get("sides") == "per_side":
        sides = {"L": {}, "R": {}} | sides  # a side not done still reads "not done"
    good, peak = [], []
    for key in sorted(sides, key=lambda k: SIDE_ORDER.index(k) if k in SIDE_ORDER else 3):
        block = sides[key] if isinstance(sides[key], Mapping) else {}
        label = "" if key == "both" else f"{key} "
        holds = block.get("holds") or []
        seconds = _number(block.get("good_s"))
        good.append(f"{label}{seconds:.1f} s" if holds and math.isfinite(seconds)
                    else f"{label}not done")
        deg = _number(block.get("peak_hip_extension_deg"))
        if math.isfinite(deg):
            peak.append(f"{label}{deg:.1f} deg")
    text = "good form " + (", ".join(good) or "none")
    return text + ("; peak hip extension " + ", ".join(peak) if peak else "")
