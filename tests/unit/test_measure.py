"""MetricsTracker over constructed sequences: contract, posture, motion, dropouts."""

import math

import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.landmarks import Side
from posecoach.measure.calibration import Calibration
from posecoach.measure.stream import MetricsTracker, classify_posture
from posecoach.registry import METRIC_NAMES

KNEEL = Figure(side=Side.RIGHT, thigh_deg=10, knee_flex=90, other_thigh_deg=-85)


def test_sequence_contract_and_values():
    tr = MetricsTracker(Calibration())
    out = [tr.update(make_pose(KNEEL), i / 30) for i in range(45)]
    last = out[-1]
    assert last.pose_detected and last.side is Side.RIGHT and last.facing == 1
    assert last.view_ok and last.view_angle_deg < 5
    assert set(last.values) == set(METRIC_NAMES)
    assert last.get("hip_extension_deg") == pytest.approx(10, abs=0.1)
    assert last.confidence["hip_extension_deg"] > 0.9
    assert last.posture == "kneeling"
    assert last.motion == pytest.approx(0, abs=1e-6)


def test_no_pose_frames_hold_then_nan():
    tr = MetricsTracker(Calibration())
    for i in range(30):
        tr.update(make_pose(KNEEL), i / 30)
    held = tr.update(None, 30 / 30)
    assert not held.pose_detected
    assert not held.view_ok
    later = [tr.update(None, (31 + k) / 30) for k in range(20)][-1]
    assert math.isnan(later.get("hip_extension_deg"))
    assert later.confidence["hip_extension_deg"] == 0.0


def test_motion_in_body_heights_per_second():
    tr = MetricsTracker(Calibration())
    fm = None
    for i in range(60):  # slide the whole figure 200 px/s to the right
        fm = tr.update(make_pose(Figure(hip_at=(400 + 200 * i / 30, 520.0))), i / 30)
    height_px = (0.5 + 0.45 + 0.43) * 400 / 0.78
    assert fm.motion == pytest.approx(200 / height_px, rel=0.05)


@pytest.mark.parametrize("facing", [1, -1])
def test_posture_classes(facing):
    cases = {
        "kneeling": Figure(facing=facing),
        "standing": Figure(
            facing=facing, thigh_deg=0, knee_flex=0, other_thigh_deg=0, other_knee_flex=0
        ),
        "supine": Figure(facing=facing, trunk_incl=90, thigh_deg=-90, knee_flex=0),
        "prone": Figure(facing=facing, trunk_incl=-90, thigh_deg=90, knee_flex=0),
        "reclined": Figure(facing=facing, trunk_incl=45),
    }
    for expected, fig in cases.items():
        incl = fig.trunk_incl
        assert classify_posture(make_pose(fig), incl) == expected
    assert classify_posture(make_pose(Figure()), float("nan")) == "unknown"


def test_unsmoothed_tracker_returns_raw_values():
    tr = MetricsTracker(Calibration(), smoothing=None, side_hint=Side.RIGHT)
    a = tr.update(make_pose(KNEEL), 0.0)
    b = tr.update(make_pose(Figure(side=Side.RIGHT, thigh_deg=20, other_thigh_deg=-85)), 0.033)
    assert np.isfinite(a.get("trunk_inclination_deg"))
    assert b.get("thigh_to_vertical_deg") == pytest.approx(20, abs=1e-6)


@pytest.mark.parametrize("facing", [1, -1])
def test_undecided_side_measures_the_extended_leg_even_when_far(facing):
    """Before the working side is decided, the leg this frame's evidence points to (the
    more extended one) is measured, not simply the one nearer the camera: here the
    working leg is the far one (facing +1 shows the right side)."""
    far = Side.LEFT if facing > 0 else Side.RIGHT
    fig = Figure(facing=facing, side=far, thigh_deg=10, other_thigh_deg=-85)
    tr = MetricsTracker(Calibration(), smoothing=None)
    first = tr.update(make_pose(fig), 0.0)
    assert first.side is None
    assert first.get("hip_extension_deg") == pytest.approx(10, abs=1e-6)
