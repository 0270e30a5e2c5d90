"""What happened in a session, gathered into the results schema (posecoach.schema).

The session engine appends `Hold` and `Episode` records as it runs; `summarize` groups
them by side into a `SessionResult`.
"""

from __future__ import annotations

from posecoach.exercises.spec import ExerciseSpec
from posecoach.schema import Episode, Hold, Protocol, SessionResult, SideResult, side_key


def summarize(
    spec: ExerciseSpec,
    holds: list[Hold],
    episodes: list[Episode],
    start_s: float,
    end_s: float,
    done: bool,
) -> SessionResult:
    """The session's records, grouped by side."""
    keys = ["L", "R"] if spec.sides == "per_side" else ["both"]
    sides = {
        key: SideResult(
            key,
            [h for h in holds if side_key(h.side) == key],
            [e for e in episodes if side_key(e.side) == key],
        )
        for key in keys
    }
    return SessionResult(
        exercise=spec.id,
        name=spec.name,
        camera_blind=spec.camera_blind,
        camera_note=spec.camera_note,
        protocol=Protocol(spec.sides, spec.dose.hold_s, spec.dose.reps_per_side,
                          spec.dose.rest_s, _protocol_cr(spec)),
        start_s=start_s,
        end_s=end_s,
        completed=done,
        sides=sides,
        rules=[r.to_json() for r in spec.all_rules],
    )


def _protocol_cr(spec: ExerciseSpec) -> dict[str, float] | None:
    cr = spec.contract_relax
    if cr is None:
        return None
    return {"contract_s": cr.contract_s, "relax_s": cr.relax_s, "cycles": cr.cycles}
