"""Form rules and position checks with hysteresis, as pure functions over FrameMetrics.

A condition's state is a bool carried from frame to frame: it switches on past the `on`
threshold, off only past the `off` threshold, and keeps its state whenever the value is
unknown (NaN, or below the condition's `min_confidence`). So a metric that hovers near a
threshold, or drops out for a few frames, does not make a rule flicker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from posecoach.exercises.spec import MOTION, Condition, Position, Rule
from posecoach.types import FrameMetrics

# One bool per condition of one rule.
RuleState = tuple[bool, ...]


def condition_value(cond: Condition, metrics: FrameMetrics) -> float:
    """The value the condition looks at, or NaN when it is missing or not trusted enough.

    Angles come from `metrics.values` (degrees); "motion" from `metrics.motion` (body heights
    per second). Nothing is judged on a frame without a detected pose.
    """
    if not metrics.pose_detected:
        return math.nan
    if cond.metric == MOTION:
        return float(metrics.motion)
    confidence = metrics.confidence.get(cond.metric, 1.0)
    if cond.min_confidence > 0 and not confidence >= cond.min_confidence:
        return math.nan
    return metrics.get(cond.metric)


def step_condition(cond: Condition, was_on: bool, value: float) -> bool:
    """Next on/off state of `cond` given `value`; NaN keeps the previous state."""
    if math.isnan(value):
        return was_on
    if cond.op == ">":
        return value > cond.on if not was_on else not value < cond.off
    return value < cond.on if not was_on else not value > cond.off


def step_rule(rule: Rule, state: RuleState | None, metrics: FrameMetrics) -> RuleState:
    """Next per-condition states of `rule` (all off when `state` is None)."""
    prev = state if state is not None else (False,) * len(rule.when)
    return tuple(
        step_condition(c, was, condition_value(c, metrics))
        for c, was in zip(rule.when, prev, strict=True)
    )


def step_rules(
    rules: Sequence[Rule], states: Sequence[RuleState] | None, metrics: FrameMetrics
) -> tuple[RuleState, ...]:
    """Step every rule; `states` None starts with every condition off."""
    prev = states if states is not None else [None] * len(rules)
    return tuple(step_rule(r, s, metrics) for r, s in zip(rules, prev, strict=True))


def broken_rules(rules: Sequence[Rule], states: Sequence[RuleState]) -> tuple[Rule, ...]:
    """Rules that are currently broken (any condition on), most important first."""
    broken = [r for r, s in zip(rules, states, strict=True) if any(s)]
    return tuple(sorted(broken, key=lambda r: (r.priority, r.cue)))


def step_position(
    position: Position,
    posture_ok: bool,
    states: RuleState | None,
    metrics: FrameMetrics,
) -> tuple[bool, RuleState]:
    """Next (posture_ok, condition states) for the position check.

    The posture must be one of `position.postures`; an "unknown" posture (or no pose)
    keeps the previous verdict, like a NaN metric keeps a condition's state.
    """
    if metrics.pose_detected and metrics.posture != "unknown":
        posture_ok = metrics.posture in position.postures
    prev = states if states is not None else (False,) * len(position.require)
    new = tuple(
        step_condition(c, was, condition_value(c, metrics))
        for c, was in zip(position.require, prev, strict=True)
    )
    return posture_ok, new


def in_position(posture_ok: bool, states: RuleState) -> bool:
    """In position: right posture and every required condition on."""
    return posture_ok and all(states)
