"""Facing and working side: right for every facing and leg, and no flip-flopping."""

import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.landmarks import Landmark, Side
from posecoach.measure.side import Hysteresis, SideTracker, facing_evidence, side_evidence

KNEELING = dict(trunk_incl=0, thigh_deg=10, knee_flex=90, other_thigh_deg=-85, other_knee_flex=85)
BENCH = dict(trunk_incl=90, thigh_deg=-80, knee_flex=70, other_thigh_deg=-210, other_knee_flex=120)
LYING_1 = dict(trunk_incl=90, thigh_deg=-90, knee_flex=0, other_thigh_deg=-210, other_knee_flex=120)
POSITIONS = {"kneeling": KNEELING, "bench": BENCH, "lying1": LYING_1}


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("side", [Side.LEFT, Side.RIGHT])
def test_instant_evidence(position, facing, side):
    pose = make_pose(Figure(facing=facing, side=side, **POSITIONS[position]))
    assert np.sign(facing_evidence(pose)) == facing
    assert np.sign(side_evidence(pose, facing)) == (1 if side is Side.LEFT else -1)


@pytest.mark.parametrize("facing", [1, -1])
def test_facing_from_nose_alone_when_legs_straight(facing):
    pose = make_pose(
        Figure(facing=facing, thigh_deg=0, knee_flex=0, other_thigh_deg=0, other_knee_flex=0)
    )
    pose = type(pose)(pose.xy, np.zeros(33), pose.visibility, pose.presence, pose.image_size)
    assert np.sign(facing_evidence(pose)) == facing


def _track(figs, flips=(), fps=30.0):
    tracker = SideTracker()
    out = []
    for i, fig in enumerate(figs):
        pose = make_pose(fig)
        if i in flips:  # a leg-label swap for one frame
            xy = pose.xy.copy()
            for a, b in (
                (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),
                (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
            ):
                xy[[int(a), int(b)]] = xy[[int(b), int(a)]]
            pose = type(pose)(xy, pose.z, pose.visibility, pose.presence, pose.image_size)
        out.append(tracker.update(pose, i / fps))
    return out


@pytest.mark.parametrize("facing", [1, -1])
def test_tracker_decides_quickly_and_ignores_single_swaps(facing):
    figs = [Figure(facing=facing, side=Side.RIGHT, **KNEELING)] * 90
    states = _track(figs, flips=(30, 31, 50, 70))
    assert states[20] == (facing, Side.RIGHT)  # decided within 2/3 s
    assert all(s == (facing, Side.RIGHT) for s in states[20:])


def test_tracker_switches_when_the_other_leg_is_worked():
    figs = [Figure(side=Side.LEFT, **KNEELING)] * 60 + [Figure(side=Side.RIGHT, **KNEELING)] * 60
    sides = [s for _, s in _track(figs)]
    assert sides[59] is Side.LEFT and sides[-1] is Side.RIGHT
    changes = sum(1 for a, b in zip(sides[20:], sides[21:], strict=False) if a != b)
    assert changes == 1


def test_tracker_turning_round():
    figs = [Figure(facing=1, **KNEELING)] * 60 + [
        Figure(facing=-1, side=Side.RIGHT, **KNEELING)
    ] * 60
    states = _track(figs)
    assert states[59][0] == 1 and states[-1] == (-1, Side.RIGHT)


def test_undecided_when_legs_symmetric_and_hint_wins():
    sym = Figure(thigh_deg=-45, knee_flex=90, other_thigh_deg=-45, other_knee_flex=90)
    tracker = SideTracker()
    for i in range(30):
        facing, side = tracker.update(make_pose(sym), i / 30)
    assert facing == 1 and side is None
    hinted = SideTracker(side_hint=Side.RIGHT)
    assert hinted.update(make_pose(sym), 0.0)[1] is Side.RIGHT


def test_no_pose_keeps_state_and_hysteresis_basics():
    h = Hysteresis(threshold=0.5, time_constant_s=0.1)
    assert h.update(float("nan"), 0.0) == 0
    for i in range(10):
        h.update(1.0, 0.1 * (i + 1))
    assert h.state == 1
    assert h.update(float("nan"), 5.0) == 1
    assert h.update(-1.0, 5.01) == 1  # one contrary frame is not enough


def test_hysteresis_release_after_a_stretch_of_neither():
    h = Hysteresis(threshold=0.4, time_constant_s=0.6, release_level=0.1, release_after_s=0.5)
    t = 0.0
    for _ in range(30):
        t += 1 / 30
        h.update(1.0, t)
    assert h.state == 1
    # neutral evidence for 0.4 s: the decision stands (and NaN frames do not count)
    for _ in range(12):
        t += 1 / 30
        h.update(0.02, t)
        h.update(float("nan"), t + 0.001)
    assert h.state == 1
    # one clear frame restarts the count
    t += 1 / 30
    h.update(0.8, t)
    for _ in range(14):
        t += 1 / 30
        h.update(-0.05, t)
    assert h.state == 1
    # 0.5 s of neither: dropped, and the average restarts from zero
    for _ in range(2):
        t += 1 / 30
        h.update(-0.05, t)
    assert h.state == 0 and h.level == 0.0
    # without release_after_s a decision only flips
    keep = Hysteresis(threshold=0.4)
    for i in range(90):
        keep.update(1.0 if i < 30 else 0.0, i / 30)
    assert keep.state == 1


def test_side_released_while_both_legs_rest_straight_then_the_new_leg_is_taken():
    # Lying level 1: right leg worked (left knee to the chest), then both legs straight
    # for 2 s between holds, then the right knee comes up (left leg worked).
    straight = Figure(trunk_incl=90, thigh_deg=-90, knee_flex=0, other_thigh_deg=-90,
                      other_knee_flex=0, side=Side.RIGHT)
    figs = ([Figure(side=Side.RIGHT, **LYING_1)] * 45 + [straight] * 60
            + [Figure(side=Side.LEFT, **LYING_1)] * 45)
    sides = [s for _, s in _track(figs)]
    assert sides[44] is Side.RIGHT
    assert sides[104] is None  # nothing says which leg is worked: no stale answer
    assert sides[-1] is Side.LEFT
    assert Side.RIGHT not in sides[60:]


def test_side_evidence_from_a_hidden_leg_is_half_weight():
    pose = make_pose(Figure(side=Side.RIGHT, **LYING_1))
    full = side_evidence(pose, 1)
    vis = pose.visibility.copy()
    vis[[int(Landmark.LEFT_HIP), int(Landmark.LEFT_KNEE)]] = 0.05  # left leg hidden
    hidden = type(pose)(pose.xy, pose.z, vis, pose.presence, pose.image_size)
    assert side_evidence(hidden, 1) == pytest.approx(0.5 * full)
