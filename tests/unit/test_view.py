"""View check: angle from body proportions, depth and world; joints in frame."""

import json
from pathlib import Path

import numpy as np
import pytest
from fixtures.poses import IMAGE_SIZE, Figure, make_pose

from posecoach.landmarks import Landmark, Side
from posecoach.measure.calibration import Calibration
from posecoach.measure.view import (
    DEFAULT_GATE,
    ViewChecker,
    ViewGate,
    ViewScale,
    angle_from_depth,
    angle_from_widths,
    angle_from_world,
    estimate_view,
)
from posecoach.types import Pose

# The stick figure's width / trunk proportions (see fixtures.poses.HALF_WIDTH, TRUNK).
FIGURE_CALIBRATION = Calibration(shoulder_width_ratio=0.72, hip_width_ratio=0.44)


@pytest.mark.parametrize("yaw", [0, 10, 20, 30, 45])
@pytest.mark.parametrize("facing", [1, -1])
def test_each_cue_recovers_the_yaw(yaw, facing):
    pose = make_pose(Figure(facing=facing, yaw_deg=yaw))
    assert angle_from_widths(pose, FIGURE_CALIBRATION) == pytest.approx(yaw, abs=0.5)
    assert angle_from_depth(pose) == pytest.approx(yaw, abs=0.5)
    assert angle_from_world(pose) == pytest.approx(yaw, abs=0.5)
    assert estimate_view(pose, calibration=FIGURE_CALIBRATION).angle_deg == pytest.approx(
        yaw, abs=0.5
    )


def test_median_survives_one_wild_cue():
    pose = make_pose(Figure(yaw_deg=10))
    wild = Pose(
        pose.xy, pose.z * 0.01, pose.visibility, pose.presence, pose.image_size, world=pose.world
    )
    assert estimate_view(wild, calibration=FIGURE_CALIBRATION).angle_deg == pytest.approx(10, abs=1)


def test_out_of_frame_joint_detected():
    fig = Figure(hip_at=(640.0, 850.0))  # knees and ankles below the bottom edge
    est = estimate_view(make_pose(fig), calibration=FIGURE_CALIBRATION)
    assert not est.in_frame
    assert "left_ankle" in est.out_of_frame or "left_knee" in est.out_of_frame
    inside = estimate_view(make_pose(Figure()), calibration=FIGURE_CALIBRATION)
    assert inside.in_frame, inside.out_of_frame


def test_missing_everything_gives_nan():
    xy = np.full((33, 2), np.nan)
    pose = Pose.from_pixels(xy, IMAGE_SIZE)
    est = estimate_view(pose)
    assert np.isnan(est.angle_deg) and not est.in_frame


@pytest.mark.parametrize("gate", [ViewGate(bad_deg=27.0, good_deg=20.0), DEFAULT_GATE])
def test_checker_hysteresis(gate):
    # Yaws chosen from the gate itself: between good and bad the decision keeps its
    # last state; only crossing bad (going out) or good (coming back) changes it.
    between = (gate.good_deg + gate.bad_deg) / 2
    checker = ViewChecker(FIGURE_CALIBRATION, time_constant_s=0.05, gate=gate)
    t = 0.0
    sequence = ((gate.good_deg / 3, True), (between, True), (gate.bad_deg + 10, False),
                (between, False), (gate.good_deg - 4, True))
    for yaw, expected in sequence:
        for _ in range(20):
            t += 1 / 30
            ok, angle = checker.update(make_pose(Figure(yaw_deg=yaw)), None, t)
        assert ok is expected, (yaw, angle)
    assert checker.update(None, None, t + 0.1)[0] is False


def test_default_gate_is_the_fitted_file():
    fitted = json.loads((Path(__file__).parents[2] / "models" / "view_gate.json").read_text())
    assert ViewGate(bad_deg=fitted["bad_deg"], good_deg=fitted["good_deg"]) == DEFAULT_GATE
    assert DEFAULT_GATE.good_deg < DEFAULT_GATE.bad_deg


def test_checker_needs_joints_in_frame():
    checker = ViewChecker(FIGURE_CALIBRATION)
    pose = make_pose(Figure(), drop=(Landmark.LEFT_ANKLE,))
    assert checker.update(pose, Side.LEFT, 0.0)[0] is False
    assert checker.update(pose, Side.RIGHT, 0.1)[0] is True


def test_view_scale_maps_between_knots_and_keeps_the_order():
    scale = ViewScale((8.0, 15.0, 26.0), (2.0, 20.0, 33.0))
    assert scale.degrees(8.0) == pytest.approx(2.0)
    assert scale.degrees(11.5) == pytest.approx(11.0)  # halfway between the first two
    assert scale.degrees(3.0) == pytest.approx(2.0)  # flat below the first knot
    assert scale.degrees(30.0) == pytest.approx(37.0)  # one to one beyond the last
    assert scale.degrees(200.0) == 90.0
    assert np.isnan(scale.degrees(float("nan")))
    reads = np.linspace(8.0, 60.0, 200)
    assert np.all(np.diff([scale.degrees(r) for r in reads]) > 0)


def test_view_scale_without_knots_is_the_identity_and_bad_knots_fail():
    assert ViewScale().degrees(17.3) == 17.3
    with pytest.raises(ValueError):
        ViewScale((5.0, 4.0), (1.0, 2.0))
    with pytest.raises(ValueError):
        ViewScale((5.0,), (1.0, 2.0))


def test_checker_reports_the_scaled_angle_but_gates_on_the_estimate():
    """The gate reads the raw estimate, so a scale changes what is reported, never
    which frames count."""
    shifted = ViewScale((0.0, 90.0), (10.0, 100.0))
    plain, scaled = ViewChecker(FIGURE_CALIBRATION), ViewChecker(FIGURE_CALIBRATION,
                                                                 scale=shifted)
    t = 0.0
    for yaw in (5, 24, 35, 24, 15):
        for _ in range(10):
            t += 1 / 30
            pose = make_pose(Figure(yaw_deg=yaw))
            ok_plain, _ = plain.update(pose, None, t, facing=1)
            ok_scaled, _ = scaled.update(pose, None, t, facing=1)
            assert ok_plain == ok_scaled
            assert scaled.angle_deg == pytest.approx(plain.angle_deg)
            assert scaled.degrees_off == pytest.approx(min(90.0, plain.angle_deg + 10.0))
            if np.isfinite(scaled.yaw_deg):
                assert abs(scaled.signed_deg) == pytest.approx(scaled.degrees_off)
