"""An upside-down skeleton in an upright picture: the test for it and when to ask again."""

from __future__ import annotations

import math

import pytest
from fixtures.poses import Figure, make_pose

from posecoach.measure.orientation import turn_pose
from posecoach.pose.upright import (
    GIVE_UP_AFTER,
    RESTART_EVERY_S,
    RETRY_EVERY_S,
    UPSIDE_DOWN_DEG,
    UprightGuard,
    trunk_from_up_deg,
    upside_down,
)

KNEELING = Figure()
LYING = Figure(roll_deg=-90.0)


def test_the_trunk_angle_from_straight_up_follows_the_picture():
    upright = make_pose(KNEELING)
    assert trunk_from_up_deg(upright) == pytest.approx(0.0, abs=1.0)
    assert trunk_from_up_deg(turn_pose(upright, 90)) == pytest.approx(90.0, abs=1.0)
    assert trunk_from_up_deg(turn_pose(upright, 270)) == pytest.approx(90.0, abs=1.0)
    assert trunk_from_up_deg(turn_pose(upright, 180)) == pytest.approx(180.0, abs=1.0)


def test_only_a_skeleton_with_the_shoulders_far_below_the_hips_is_upside_down():
    upright = make_pose(KNEELING)
    assert not upside_down(upright)
    assert not upside_down(make_pose(LYING))  # lying down is a stretch, not a mistake
    assert not upside_down(turn_pose(upright, 90))
    assert upside_down(turn_pose(upright, 180))
    assert not upside_down(None)


def test_a_skeleton_without_a_trunk_is_not_called_upside_down():
    pose = make_pose(KNEELING)
    pose.xy[11:13] = math.nan  # no shoulders
    assert math.isnan(trunk_from_up_deg(pose))
    assert not upside_down(pose)


def test_the_bound_is_the_gravity_checks_own():
    from posecoach.measure.orientation import UPSIDE_DOWN_DEG as GRAVITY_BOUND

    assert UPSIDE_DOWN_DEG == GRAVITY_BOUND


def test_a_fixed_frame_restarts_tracking_at_most_every_half_second():
    guard = UprightGuard()
    restarts = []
    for i in range(30):
        t = i / 30
        assert guard.should_retry(t)
        restarts.append(guard.retried(True, t))
    times = [i / 30 for i, r in enumerate(restarts) if r]
    assert times[0] == 0.0
    assert all(b - a >= RESTART_EVERY_S - 1e-9 for a, b in zip(times, times[1:], strict=False))
    assert len(times) == 2  # 0 s and 0.5 s within the first second


def test_a_body_that_really_is_upside_down_is_asked_again_only_now_and_then():
    guard = UprightGuard()
    asked = []
    for i in range(90):  # 3 s at 30 fps, no turn ever gives an upright skeleton
        t = i / 30
        if guard.should_retry(t):
            asked.append(t)
            assert guard.retried(False, t) is False  # nothing fixed: no restart
    assert asked[:GIVE_UP_AFTER] == [i / 30 for i in range(GIVE_UP_AFTER)]
    later = asked[GIVE_UP_AFTER:]
    assert later, "it keeps trying now and then"
    gaps = [b - a for a, b in zip(asked[GIVE_UP_AFTER - 1:], later, strict=False)]
    assert all(g >= RETRY_EVERY_S - 1e-9 for g in gaps)
    assert len(asked) <= GIVE_UP_AFTER + 3


def test_an_upright_skeleton_or_a_fix_ends_the_giving_up():
    for recover in ("seen", "fixed"):
        guard = UprightGuard()
        for i in range(GIVE_UP_AFTER):
            guard.should_retry(i / 30)
            guard.retried(False, i / 30)
        assert not guard.should_retry(GIVE_UP_AFTER / 30)
        if recover == "seen":
            guard.upright_seen()
        else:
            guard.retried(True, 0.5)
        assert guard.should_retry(0.6)
