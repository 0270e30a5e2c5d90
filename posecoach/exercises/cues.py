"""Which cues are on screen: a short delay before showing, a minimum time once shown, and
a cap on how many, most important first. Time is passed in (seconds); nothing here reads
a clock or draws.

Why: a rule that is broken for two frames should not flash a banner, and a banner that
appears should stay long enough to be read, even if the person fixes their form at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from posecoach.types import Cue

__all__ = ["Cue", "CueBoard", "step_cues"]

EPS = 1e-9


@dataclass(frozen=True)
class CueBoard:
    """Display state. active_since: cue id -> time its condition became true (continuous);
    shown: cue id -> (time it appeared on screen, the cue), kept so that a cue whose
    condition has ended can stay for its minimum time."""

    active_since: Mapping[str, float] = field(default_factory=dict)
    shown: Mapping[str, tuple[float, Cue]] = field(default_factory=dict)


def step_cues(
    board: CueBoard,
    active: Iterable[Cue],
    time_s: float,
    show_after_s: float,
    min_show_s: float,
    max_shown: int,
) -> tuple[CueBoard, tuple[Cue, ...]]:
    """Advance the board to `time_s` given the cues whose conditions hold now.

    A cue is shown once it has been active for `show_after_s`, and stays at least
    `min_show_s` after it appeared. Of the candidates, the `max_shown` with the lowest
    (priority, id) are shown. Returns the new board and the shown cues in priority order.
    """
    now = {c.id: c for c in active}
    since = {cid: board.active_since.get(cid, time_s) for cid in now}
    # Still inside its minimum display time: stays, whether or not its condition holds.
    pool = {cid: cue for cid, (t0, cue) in board.shown.items() if time_s - t0 < min_show_s - EPS}
    pool.update(
        (cid, now[cid]) for cid, t0 in since.items() if time_s - t0 >= show_after_s - EPS
    )
    candidates = sorted(pool.values(), key=lambda c: (c.priority, c.id))[:max_shown]
    shown = {c.id: (board.shown.get(c.id, (time_s, c))[0], c) for c in candidates}
    return CueBoard(since, shown), tuple(candidates)
