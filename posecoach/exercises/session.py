"""The session engine: one FrameMetrics in, one SessionState out.

Phases (SessionState.phase):
    get_ready     countdown before the first hold; ends early once steadily in position
    position      getting into position; nothing is counted
    hold          the timer runs while the position and the form are right
    fault         the timer is paused (form fault, out of position, or camera cannot see
                  the person) for longer than the grace period; `paused_phase` says which
                  of hold / contract / relax resumes
    contract      contract-relax only: squeeze the stretched hip (timed like a hold)
    relax         contract-relax only: let go and sink deeper; the hip extension at its
                  end is recorded as the gain
    rest          countdown between holds on one side
    switch_sides  countdown to change to the other side
    done          every hold on every side is complete

Time comes only from FrameMetrics.time_s (seconds). Honest crediting: time counts only on
frames in good form; a fault or lost view shorter than `grace_s` is credited once form is
back (a flicker does not pause), a longer one is not credited at all, from its first frame.
The edges of a hold are judged the same way:
- a hold starts once the position has lasted `enter_after_s` in good form, and those
  confirming seconds count (not time from a rest countdown);
- when a fault is confirmed, the good frames in which it was already building up (the
  fault's metric drifting out of its usual band for this hold, or the hip coming forward
  as the person leaves the position) are taken back, at most MAX_TRIM_S (drift_s).
A hold whose person leaves the position for longer than `leave_after_s` ends as a partial
hold, and the next hold on that side starts again from zero.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from posecoach.exercises.cues import Cue, CueBoard, step_cues
from posecoach.exercises.log import summarize
from posecoach.exercises.rules import (
    RuleState,
    broken_rules,
    condition_value,
    in_position,
    step_position,
    step_rules,
)
from posecoach.exercises.spec import ExerciseSpec
from posecoach.landmarks import Side
from posecoach.schema import Episode, Gain, Hold, SessionResult
from posecoach.types import TIMED_PHASES, FrameMetrics, Phase, SessionState, Severity

EPS = 1e-6
# When a fault is confirmed, the good frames since its metric left the hold's usual
# value are taken back (see drift_s): the hip extension for leaving the position (within
# EXIT_TOLERANCE_DEG of its median), a rule's own metric for a form fault.
EXIT_TOLERANCE_DEG = 1.5
ONSET_TOLERANCE_DEG = 2.5
MAX_TRIM_S = 2.0
# A hip extension falling this fast is already coming out of the position (degrees/s;
# a held hip drifts well under 1 deg/s).
EXIT_RATE_DEG_S = 1.5
# Good frames remembered per hold for that (about 20 s at 30 fps).
RECENT_FRAMES = 600

LOST_VIEW = Cue(
    "lost_view", "I can't see you well - stay in the frame, side-on.", Severity.FAULT, 0
)
LOST_VIEW_BLIND = Cue("lost_view", "I can't see you - stay in the frame.", Severity.FAULT, 0)
OTHER_SIDE = Cue("other_side", "That side is done - change to the other leg.", Severity.HINT, 0)

_PROMPTS = {
    Phase.GET_READY: "Get ready.",
    Phase.HOLD: "Hold it and breathe slowly.",
    Phase.FAULT: "Timer paused until your form is back.",
    Phase.REST: "Ease off and rest before the next one.",
    Phase.SWITCH_SIDES: "Change sides.",
    Phase.DONE: "All done - nicely worked.",
}


@dataclass(frozen=True)
class Segment:
    """One timed part of a round: kind in TIMED_PHASES, target in seconds."""

    kind: str
    target_s: float
    cycle: int | None = None


def plan_round(spec: ExerciseSpec) -> tuple[Segment, ...]:
    """The timed parts of one hold: the hold itself, then contract/relax cycles if any."""
    segments = [Segment(Phase.HOLD, spec.dose.hold_s)]
    cr = spec.contract_relax
    if cr is not None:
        for k in range(1, cr.cycles + 1):
            segments += [
                Segment(Phase.CONTRACT, cr.contract_s, k),
                Segment(Phase.RELAX, cr.relax_s, k),
            ]
    return tuple(segments)


@dataclass(frozen=True)
class Observation:
    """This frame, judged. pausing: why it is not a good frame (empty = good)."""

    seen: bool
    in_position: bool
    stable: bool
    side: Side | None
    pausing: tuple[Cue, ...]
    hints: tuple[Cue, ...]
    metrics: FrameMetrics

    @property
    def hip_extension_deg(self) -> float:
        return self.metrics.get("hip_extension_deg")


@dataclass
class _Round:
    """Mutable progress of the current hold (private to Session)."""

    side: Side | None
    rep: int
    start_s: float
    index: int = 0
    credited: float = 0.0
    total: float = 0.0
    t_last_good: float = 0.0
    last_present: float = 0.0
    confirmed: bool = False
    values: list[tuple[float, float]] = field(default_factory=list)
    recent: deque[tuple[float, FrameMetrics]] = field(
        default_factory=lambda: deque(maxlen=RECENT_FRAMES)
    )
    baseline: float = math.nan
    previous: float = math.nan
    gains: list[Gain] = field(default_factory=list)
    open_eps: dict[str, list[Any]] = field(default_factory=dict)


def drift_s(
    series: list[tuple[float, float]],
    toward: str,
    tolerance: float,
    onset_rate: float | None = None,
) -> float:
    """Seconds at the end of `series` ((time, value) over the good frames of a hold)
    since the value last sat within `tolerance` (or three robust standard deviations,
    if wider) of the hold's median, moving `toward` "<" (falling) or ">" (rising); at
    most MAX_TRIM_S. With `onset_rate` (degrees/s), from there back to where the value
    began moving that way at least that fast.

    A fault builds up before its threshold (with hysteresis, so that the cue does not
    flicker) sees it: the back arches over half a second, the hip comes forward over a
    second as someone leaves the position. Those frames were not good form, so when the
    fault is confirmed their seconds are taken back. A form fault counts from when the
    metric is clearly off its level (the band); leaving the position counts from the
    first move out of it (`onset_rate`), since the stretch eases off from then on.
    """
    finite = [(t, v) for t, v in series if math.isfinite(v)]
    if len(finite) < 2:
        return 0.0
    median = statistics.median(v for _, v in finite)
    # A noisy metric (the pelvis estimates) wanders further in good form: widen the band
    # to three robust standard deviations of its own hold.
    spread = 1.4826 * statistics.median(abs(v - median) for _, v in finite)
    tolerance = max(tolerance, 3.0 * spread)
    sign = 1.0 if toward == "<" else -1.0  # +1: the fault lowers the value
    inside = [i for i, (_, v) in enumerate(finite) if sign * (median - v) <= tolerance]
    if not inside:
        return 0.0
    # The value left the hold's level before it left the band: walk back over the
    # frames in which it was already moving the fault's way at onset_rate or faster.
    i = inside[-1]
    while onset_rate is not None and i > 0:
        (t0, v0), (t1, v1) = finite[i - 1], finite[i]
        if sign * (v0 - v1) < onset_rate * (t1 - t0):
            break
        i -= 1
    return min(max(finite[-1][0] - finite[i][0], 0.0), MAX_TRIM_S)


class Session:
    """Coach one exercise. Call `update` once per frame, in time order, then `finish`."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.rules = spec.all_rules
        self.segments = plan_round(spec)
        self.lost_cue = LOST_VIEW_BLIND if spec.camera_blind else LOST_VIEW
        pos = spec.position
        self.position_cue = Cue(pos.cue, pos.text, Severity.FAULT, 0)
        self.good_cue = Cue(spec.cues.good_cue, spec.cues.good_text, "good", 99)
        sides: list[Side | None] = [Side.LEFT, Side.RIGHT] if spec.sides == "per_side" else [None]
        self.done_count: dict[Side | None, int] = dict.fromkeys(sides, 0)
        self.phase = Phase.GET_READY
        self.phase_t0 = math.nan
        self.side: Side | None = None
        self.t_first: float | None = None
        self.t_prev = math.nan
        self.posture_ok = False
        self.pos_states: RuleState | None = None
        self.rule_states: tuple[RuleState, ...] | None = None
        self.in_pos = False
        self.in_pos_since = math.nan
        # Since when every frame has been in position in good form (NaN: not now), and
        # when the last rest or side switch ended: a hold credits its confirmation time
        # back from the later of the two.
        self.good_since = math.nan
        self.rest_ended = -math.inf
        self.left_in_phase = False
        self.board = CueBoard()
        self.round: _Round | None = None
        self.holds: list[Hold] = []
        self.episodes: list[Episode] = []
        self.last_gain: float | None = None
        self.finished = False

    # ------------------------------------------------------------------ per frame

    def update(self, metrics: FrameMetrics) -> SessionState:
        """Advance to `metrics.time_s` and return the state for this frame."""
        t = float(metrics.time_s)
        events: list[str] = []
        if self.t_first is None:
            self.t_first, self.t_prev, self.phase_t0 = t, t, t
            events.append(Phase.GET_READY)
        dt = t - self.t_prev if t > self.t_prev else 0.0
        obs = self._observe(metrics, t, events)
        self._advance(t, dt, obs, events)
        shown = self._update_cues(t, obs)
        self.t_prev = max(t, self.t_prev)
        return self._snapshot(t, obs, shown, events)

    def _observe(self, m: FrameMetrics, t: float, events: list[str]) -> Observation:
        pos = self.spec.position
        seen = m.pose_detected and (m.view_ok or not pos.needs_side_view)
        if seen:
            self.posture_ok, self.pos_states = step_position(
                pos, self.posture_ok, self.pos_states, m
            )
            self.rule_states = step_rules(self.rules, self.rule_states, m)
        now_in = self.pos_states is not None and in_position(self.posture_ok, self.pos_states)
        if now_in != self.in_pos:
            events.append("in_position" if now_in else "out_of_position")
            self.in_pos, self.in_pos_since = now_in, t if now_in else math.nan
            self.left_in_phase = self.left_in_phase or not now_in
        stable = seen and now_in and t - self.in_pos_since >= pos.enter_after_s - EPS
        broken = broken_rules(self.rules, self.rule_states) if self.rule_states else ()
        cues = [Cue(r.cue, r.text, r.severity, r.priority) for r in broken]
        faults = tuple(c for c in cues if c.severity == Severity.FAULT)
        if not seen:
            pausing: tuple[Cue, ...] = (self.lost_cue,)
        elif not now_in:
            pausing = (self.position_cue,)
        else:
            pausing = faults
        if pausing:
            self.good_since = math.nan
        elif math.isnan(self.good_since):
            self.good_since = t
        hints = tuple(c for c in cues if c.severity == Severity.HINT) if seen and now_in else ()
        side = m.side if self.spec.sides == "per_side" else None
        return Observation(seen, now_in, stable, side, pausing, hints, m)

    # ------------------------------------------------------------------ phases

    def _advance(self, t: float, dt: float, obs: Observation, events: list[str]) -> None:
        handlers = {
            Phase.GET_READY: self._get_ready,
            Phase.POSITION: self._position,
            Phase.REST: self._countdown,
            Phase.SWITCH_SIDES: self._countdown,
            Phase.DONE: lambda *_: None,
        }
        for _ in range(len(Phase)):  # transitions can chain within one frame
            if self.phase in handlers:
                nxt = handlers[self.phase](t, obs, events)
            else:
                nxt = self._step_round(t, dt, obs, events)
            if nxt is None:
                return
            self._enter(nxt, t, events)
            dt = 0.0  # this frame's interval has been accounted for

    def _enter(self, phase: str, t: float, events: list[str]) -> None:
        self.phase, self.phase_t0, self.left_in_phase = phase, t, False
        if phase in (Phase.REST, Phase.DONE):
            events.append(phase)
        if phase == Phase.SWITCH_SIDES:
            events.append("side_switch")
            self.side = self._next_side()

    def _get_ready(self, t: float, obs: Observation, events: list[str]) -> str | None:
        if obs.stable or t - self.phase_t0 >= self.spec.dose.get_ready_s - EPS:
            return Phase.POSITION
        return None

    def _countdown(self, t: float, obs: Observation, events: list[str]) -> str | None:
        length = self.spec.dose.rest_s if self.phase == Phase.REST else self.spec.dose.switch_s
        # Someone who came out of the stretch and went back in has chosen to go on.
        if t - self.phase_t0 >= length - EPS or (self.left_in_phase and obs.stable):
            self.rest_ended = t
            return Phase.POSITION
        return None

    def _position(self, t: float, obs: Observation, events: list[str]) -> str | None:
        side = self._candidate_side(obs)
        if side is not None and self._side_complete(side):
            return None  # that side is finished; the "other_side" cue says so
        self.side = side
        if not obs.stable:
            return None
        rep = self.done_count[side]
        # Confirming the position took enter_after_s; the person was already holding in
        # good form then, so that time counts (never time from a rest or before a fault).
        settled = t - max(self.good_since, self.rest_ended)
        back = min(settled, self.spec.position.enter_after_s) if settled > 0 else 0.0
        self.round = _Round(side, rep, t - back, credited=back, t_last_good=t, last_present=t)
        events.append("hold_start")
        return self.segments[0].kind

    def _candidate_side(self, obs: Observation) -> Side | None:
        if self.spec.sides != "per_side":
            return None
        if obs.side is not None:
            return obs.side
        if self.side is not None and not self._side_complete(self.side):
            return self.side
        return self._next_side()

    def _next_side(self) -> Side | None:
        for side, count in self.done_count.items():
            if count < self.spec.dose.reps_per_side:
                return side
        return None

    def _side_complete(self, side: Side | None) -> bool:
        return self.done_count[side] >= self.spec.dose.reps_per_side

    # ------------------------------------------------------------------ timed phases

    def _step_round(self, t: float, dt: float, obs: Observation, events: list[str]) -> str | None:
        r = self.round
        assert r is not None
        seg = self.segments[r.index]
        self._track_episodes(r, t, obs)
        if obs.seen and obs.in_position:
            r.last_present = t
        if not obs.pausing:
            # A blip shorter than the grace period is credited now; after a confirmed
            # fault only this frame's own interval is.
            gained = dt if r.confirmed else t - r.t_last_good
            r.credited = min(seg.target_s, r.credited + gained)
            r.t_last_good = t
            if math.isfinite(obs.hip_extension_deg):
                r.values.append((t, obs.hip_extension_deg))
            r.recent.append((t, obs.metrics))
            if r.confirmed:
                r.confirmed = False
                events.append("fault_end")
                self.phase = seg.kind
            if r.credited >= seg.target_s - EPS:
                return self._segment_done(r, seg, t, events)
            return None
        if not r.confirmed and t - r.t_last_good >= self.spec.dose.grace_s - EPS:
            r.confirmed = True
            events.append("fault_start")
            self.phase = Phase.FAULT
            r.credited = max(0.0, r.credited - self._build_up_s(r, obs))
        if r.confirmed:
            for ep in r.open_eps.values():
                ep[2] = True
        if t - r.last_present > self.spec.position.leave_after_s + EPS:
            return self._end_round(r, r.last_present, complete=False, events=events)
        return None

    def _build_up_s(self, r: _Round, obs: Observation) -> float:
        """How long the fault now confirmed had been building up within good frames."""
        if not obs.seen:
            return 0.0
        if not obs.in_position:
            return drift_s(r.values, "<", EXIT_TOLERANCE_DEG, EXIT_RATE_DEG_S)
        paused = {c.id for c in obs.pausing}
        longest = 0.0
        for rule, states in zip(self.rules, self.rule_states or (), strict=False):
            if rule.cue not in paused:
                continue
            for cond, on in zip(rule.when, states, strict=True):
                if not on:
                    continue  # only what is wrong now
                series = [(t, condition_value(cond, m)) for t, m in r.recent]
                longest = max(longest, drift_s(series, cond.op, ONSET_TOLERANCE_DEG))
        return longest

    def _segment_done(self, r: _Round, seg: Segment, t: float, events: list[str]) -> str | None:
        self._record_gain(r, seg, t)
        r.total += r.credited
        r.index += 1
        if r.index == len(self.segments):
            return self._end_round(r, t, complete=True, events=events)
        nxt = self.segments[r.index]
        r.credited, r.t_last_good, r.values = 0.0, t, []
        events.append(nxt.kind)
        self.phase = nxt.kind
        return None

    def _record_gain(self, r: _Round, seg: Segment, t: float) -> None:
        cr = self.spec.contract_relax
        if cr is None or seg.kind == Phase.CONTRACT:
            return
        recent = [v for tv, v in r.values if tv >= t - cr.gain_window_s - EPS]
        value = sum(recent) / len(recent) if recent else math.nan
        if seg.kind == Phase.HOLD:
            r.baseline = r.previous = value
            return
        gain = value - r.previous
        r.gains.append(Gain(r.rep, seg.cycle or 0, t, value, gain, value - r.baseline))
        self.last_gain = None if math.isnan(gain) else gain
        if not math.isnan(value):
            r.previous = value

    def _end_round(self, r: _Round, end_s: float, complete: bool, events: list[str]) -> str:
        if not complete:
            r.total += r.credited
        self._close_episodes(r, end_s, everything=True)
        target = sum(s.target_s for s in self.segments)
        self.holds.append(
            Hold(
                r.rep, r.start_s, end_s, r.total, target, complete, r.side,
                r.baseline, tuple(r.gains),
            )
        )
        self.round = None
        if not complete:
            events.append("hold_partial")
            return Phase.POSITION
        events.append("hold_complete")
        self.done_count[r.side] += 1
        if not self._side_complete(r.side):
            return Phase.REST
        return Phase.SWITCH_SIDES if self._next_side() is not None else Phase.DONE

    # ------------------------------------------------------------------ fault episodes

    def _track_episodes(self, r: _Round, t: float, obs: Observation) -> None:
        current = {c.id: c for c in obs.pausing + obs.hints}
        for cid, cue in current.items():
            if cid not in r.open_eps:
                # A condition already true when the hold began (a hint: faults keep the
                # position from being confirmed) counts from the hold's credited start,
                # not from the frame that confirmed it.
                began = max(r.start_s, self.board.active_since.get(cid, t))
                # (min: a timestamp that went backwards must not open it in the future)
                r.open_eps[cid] = [cue, min(began, t), r.confirmed]
        self._close_episodes(r, t, everything=False, keep=set(current))

    def _close_episodes(
        self, r: _Round, t: float, everything: bool, keep: set[str] | None = None
    ) -> None:
        show_after = self.spec.cues.show_after_s
        for cid in list(r.open_eps):
            if not everything and keep is not None and cid in keep:
                continue
            cue, start, confirmed = r.open_eps.pop(cid)
            if start >= t:
                continue  # began after the hold's end: leaving, not a fault within it
            end = t
            shown_long = end - start >= show_after - EPS
            fault = cue.severity == Severity.FAULT
            if (fault and confirmed) or (cue.severity == Severity.HINT and shown_long):
                self.episodes.append(Episode(cid, cue.severity, start, end, r.side))

    # ------------------------------------------------------------------ output

    def _update_cues(self, t: float, obs: Observation) -> tuple[Cue, ...]:
        active = self._candidate_cues(obs)
        c = self.spec.cues
        self.board, shown = step_cues(
            self.board, active, t, c.show_after_s, c.min_show_s, c.max_shown
        )
        timed = self.phase in TIMED_PHASES
        if timed and not shown and not obs.pausing:
            shown = (self.good_cue,)
        return shown

    def _candidate_cues(self, obs: Observation) -> tuple[Cue, ...]:
        if self.phase == Phase.DONE or self.phase in (Phase.REST, Phase.SWITCH_SIDES):
            return ()
        if self.phase in TIMED_PHASES or self.phase == Phase.FAULT:
            return obs.pausing + obs.hints
        if not obs.seen:
            return (self.lost_cue,)
        side = self._candidate_side(obs)
        if side is not None and self._side_complete(side):
            return (OTHER_SIDE,)
        return obs.pausing + obs.hints

    def _snapshot(
        self, t: float, obs: Observation, shown: tuple[Cue, ...], events: list[str]
    ) -> SessionState:
        r = self.round
        seg = self.segments[r.index] if r is not None else None
        cr = self.spec.contract_relax
        return SessionState(
            time_s=t,
            phase=self.phase,
            paused_phase=seg.kind if self.phase == Phase.FAULT and seg else None,
            side=self.side,
            rep=r.rep if r is not None else self.done_count.get(self.side, 0),
            reps_target=self.spec.dose.reps_per_side,
            reps_done=dict(self.done_count),
            hold_s=r.credited if r is not None else 0.0,
            hold_target_s=seg.target_s if seg else self.segments[0].target_s,
            seconds_left=self._seconds_left(t, r, seg),
            cycle=seg.cycle if seg else None,
            cycles_target=cr.cycles if cr else 0,
            in_position=obs.in_position,
            good_form=obs.seen and not obs.pausing,
            cues=shown,
            events=tuple(events),
            prompt=self._prompt(seg),
            camera_blind=self.spec.camera_blind,
            camera_note=self.spec.camera_note,
            last_gain_deg=self.last_gain,
        )

    def _seconds_left(self, t: float, r: _Round | None, seg: Segment | None) -> float | None:
        if r is not None and seg is not None:
            return max(0.0, seg.target_s - r.credited)
        lengths = {
            Phase.GET_READY: self.spec.dose.get_ready_s,
            Phase.REST: self.spec.dose.rest_s,
            Phase.SWITCH_SIDES: self.spec.dose.switch_s,
        }
        if self.phase not in lengths:
            return None
        return max(0.0, lengths[self.phase] - (t - self.phase_t0))

    def _prompt(self, seg: Segment | None) -> str:
        cr = self.spec.contract_relax
        if self.phase == Phase.POSITION:
            return self.spec.position.text
        if cr is not None and self.phase in (Phase.CONTRACT, Phase.RELAX):
            return cr.contract_text if self.phase == Phase.CONTRACT else cr.relax_text
        if self.phase == Phase.HOLD and cr is not None:
            return "Settle into the stretch first; the squeezes come next."
        return _PROMPTS.get(self.phase, "")

    # ------------------------------------------------------------------ end of stream

    def finish(self) -> SessionResult:
        """Close an unfinished hold as partial (at the last time in position) and return
        the session's results. Safe to call more than once."""
        if not self.finished and self.round is not None:
            self._end_round(self.round, self.round.last_present, complete=False, events=[])
        self.finished = True
        return self.summary()

    def summary(self) -> SessionResult:
        """The recorded holds and fault episodes so far (see log.summarize)."""
        start = self.t_first if self.t_first is not None else math.nan
        end = self.t_prev
        return summarize(self.spec, self.holds, self.episodes, start, end, self.phase == Phase.DONE)
