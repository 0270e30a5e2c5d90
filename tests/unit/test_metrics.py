"""Metrics of constructed poses: known answers, both facings, both legs, dropouts."""

import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.landmarks import Landmark, Side
from posecoach.measure.calibration import AnkleOffset, Calibration, JointOffset, SegmentOffset
from posecoach.measure.frame import (
    MetricValues,
    compute_metrics,
    pair_midpoint,
    thigh_from_posture_reference,
)
from posecoach.registry import METRIC_NAMES

CASES = [(facing, side) for facing in (1, -1) for side in (Side.LEFT, Side.RIGHT)]


@pytest.mark.parametrize(("facing", "side"), CASES)
def test_half_kneeling_known_angles(facing, side):
    fig = Figure(
        facing=facing,
        side=side,
        trunk_incl=5,
        thigh_deg=12,
        knee_flex=95,
        other_thigh_deg=-85,
        other_knee_flex=80,
    )
    m = compute_metrics(make_pose(fig), side, facing, Calibration())
    v = m.values
    assert v["trunk_inclination_deg"] == pytest.approx(5, abs=1e-6)
    assert v["thigh_to_vertical_deg"] == pytest.approx(12, abs=1e-6)
    assert v["hip_extension_deg"] == pytest.approx(17, abs=1e-6)
    assert v["thigh_to_horizontal_deg"] == pytest.approx(-78, abs=1e-6)
    assert v["knee_flexion_deg"] == pytest.approx(95, abs=1e-6)
    assert v["other_knee_flexion_deg"] == pytest.approx(80, abs=1e-6)
    assert set(v) == set(METRIC_NAMES)
    assert m.confidence["hip_extension_deg"] == pytest.approx(0.95)


@pytest.mark.parametrize("facing", [1, -1])
def test_bench_thigh_below_horizontal(facing):
    # supine: trunk leaning back 90 degrees; hanging thigh 10 degrees below horizontal
    fig = Figure(
        facing=facing,
        trunk_incl=90,
        thigh_deg=-80,
        knee_flex=60,
        other_thigh_deg=-200,
        other_knee_flex=120,
    )
    v = compute_metrics(make_pose(fig), Side.LEFT, facing, Calibration()).values
    assert v["thigh_to_horizontal_deg"] == pytest.approx(-10, abs=1e-6)
    assert v["hip_extension_deg"] == pytest.approx(10, abs=1e-6)
    assert v["trunk_inclination_deg"] == pytest.approx(90, abs=1e-6)


def test_missing_landmark_gives_nan_never_zero():
    fig = Figure()
    m = compute_metrics(make_pose(fig, drop=(Landmark.LEFT_KNEE,)), Side.LEFT, 1, Calibration())
    for name in ("hip_extension_deg", "thigh_to_vertical_deg", "knee_flexion_deg"):
        assert np.isnan(m.values[name])
        assert m.confidence[name] == 0.0
    assert m.values["trunk_inclination_deg"] == pytest.approx(0, abs=1e-6)
    assert np.isfinite(m.values["other_knee_flexion_deg"])


def test_low_visibility_is_missing():
    m = compute_metrics(make_pose(Figure(), low_vis=(Landmark.LEFT_ANKLE,)), Side.LEFT, 1)
    assert np.isnan(m.values["knee_flexion_deg"])


def test_pair_midpoint_uses_the_visible_one():
    pose = make_pose(Figure(yaw_deg=20), low_vis=(Landmark.RIGHT_SHOULDER,))
    mid = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    np.testing.assert_allclose(mid.xy, pose.xy[int(Landmark.LEFT_SHOULDER)])
    nothing = make_pose(Figure(), drop=(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER))
    assert not pair_midpoint(nothing, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER).ok


@pytest.mark.parametrize("facing", [1, -1])
def test_hip_offset_moves_along_body_axes(facing):
    """The offset is in the body frame, so it acts the same for both facings."""
    fig = Figure(facing=facing, thigh_deg=0, trunk_incl=0)
    calib = Calibration(hip=JointOffset(up=0.0, anterior=0.1))
    v = compute_metrics(make_pose(fig), Side.LEFT, facing, calib).values
    # hip moved anterior by 0.1 trunk (0.05 m) above a knee 0.45 m below: knee now posterior
    expected = np.degrees(np.arctan2(0.05, 0.45))
    assert v["thigh_to_vertical_deg"] == pytest.approx(expected, abs=1e-6)
    # ...and the shoulders are now posterior of the hip: leaning back
    assert v["trunk_inclination_deg"] == pytest.approx(np.degrees(np.arctan2(0.05, 0.5)), abs=1e-6)


def test_no_mask_no_pelvis_estimate():
    v = compute_metrics(make_pose(Figure()), Side.LEFT, 1).values
    assert np.isnan(v["pelvic_tilt_deg"]) and np.isnan(v["lumbar_extension_deg"])


@pytest.mark.parametrize("facing", [1, -1])
def test_other_hip_is_placed_from_the_working_hip(facing):
    """With `other_hip` set, both hips come from the working leg's hip landmark; the
    other one (dragged down a flexed thigh by BlazePose) is ignored."""
    fig = Figure(facing=facing, side=Side.LEFT, thigh_deg=10, trunk_incl=0)
    pose = make_pose(fig)
    pose.xy[int(Landmark.RIGHT_HIP)] += [30.0 * facing, 40.0]  # a wild other-hip guess
    calib = Calibration(other_hip=JointOffset())
    v = compute_metrics(pose, Side.LEFT, facing, calib).values
    assert v["hip_extension_deg"] == pytest.approx(10, abs=1e-6)
    assert v["trunk_inclination_deg"] == pytest.approx(0, abs=1e-6)
    # ...while without it the guess moves both numbers
    plain = compute_metrics(pose, Side.LEFT, facing, Calibration()).values
    assert abs(plain["hip_extension_deg"] - 10) > 1


@pytest.mark.parametrize("facing", [1, -1])
def test_ankle_shank_offset_acts_in_the_shank_frame(facing):
    """A positive `across` ankle offset moves the ankle anteriorly for a hanging shank,
    which straightens the (posteriorly bent) knee, for both facings; an `along` offset
    slides it along the shank and leaves the knee angle as it is. The other leg takes
    the offsets lying, and upright is measured on its landmarks as given."""
    across = Calibration(ankle=AnkleOffset(shank=SegmentOffset(along=0.0, across=0.1)))
    along = Calibration(ankle=AnkleOffset(shank=SegmentOffset(along=0.2, across=0.0)))
    for flex in (10.0, 90.0):
        upright = make_pose(Figure(facing=facing, thigh_deg=0, knee_flex=flex,
                                   other_knee_flex=flex))
        lying = make_pose(Figure(facing=facing, trunk_incl=90, thigh_deg=-90, knee_flex=flex,
                                 other_thigh_deg=-90, other_knee_flex=flex))
        # 0.1 trunk (0.05 m) across a 0.43 m shank
        expected = flex - np.degrees(np.arctan2(0.05, 0.43))
        v = compute_metrics(upright, Side.LEFT, facing, across).values
        assert v["knee_flexion_deg"] == pytest.approx(expected, abs=1e-6)
        assert v["other_knee_flexion_deg"] == pytest.approx(flex, abs=1e-6)
        v = compute_metrics(lying, Side.LEFT, facing, across).values
        assert v["knee_flexion_deg"] == pytest.approx(expected, abs=1e-6)
        assert v["other_knee_flexion_deg"] == pytest.approx(expected, abs=1e-6)
        for pose in (upright, lying):
            v = compute_metrics(pose, Side.LEFT, facing, along).values
            assert v["knee_flexion_deg"] == pytest.approx(flex, abs=1e-6)
            assert v["other_knee_flexion_deg"] == pytest.approx(flex, abs=1e-6)


@pytest.mark.parametrize("facing", [1, -1])
def test_ankle_down_offset_follows_gravity_not_the_shank(facing):
    """`AnkleOffset.down` moves the ankle straight down the image: of two knees bent 90
    degrees it straightens the one whose shank lies on the floor behind a kneeling body
    and leaves the one whose shank hangs straight down off a bench, both facings (the
    other leg, upright, is measured on its landmarks as given)."""
    calib = Calibration(ankle=AnkleOffset(down=0.1))
    kneeling = Figure(
        facing=facing, thigh_deg=0, knee_flex=90, other_thigh_deg=0, other_knee_flex=90
    )
    v = compute_metrics(make_pose(kneeling), Side.LEFT, facing, calib).values
    # the ankle 0.1 trunk (0.05 m) lower at the end of a 0.43 m horizontal shank
    expected = 90 - np.degrees(np.arctan2(0.05, 0.43))
    assert v["knee_flexion_deg"] == pytest.approx(expected, abs=1e-6)
    assert v["other_knee_flexion_deg"] == pytest.approx(90, abs=1e-6)
    bench = Figure(
        facing=facing,
        trunk_incl=90,
        thigh_deg=-90,
        knee_flex=90,
        other_thigh_deg=-90,
        other_knee_flex=90,
    )
    v = compute_metrics(make_pose(bench), Side.LEFT, facing, calib).values
    assert v["knee_flexion_deg"] == pytest.approx(90, abs=1e-6)
    assert v["other_knee_flexion_deg"] == pytest.approx(90, abs=1e-6)
    # without a trunk line there is no scale for the offset
    pose = make_pose(kneeling, drop=(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER))
    assert np.isnan(compute_metrics(pose, Side.LEFT, facing, calib).values["knee_flexion_deg"])


def test_thigh_reference_follows_posture():
    """hip_extension_pelvis_deg starts from thigh_to_vertical upright and from minus
    thigh_to_horizontal lying."""
    upright = MetricValues(
        {"trunk_inclination_deg": 3.0, "thigh_to_vertical_deg": 12.0},
        {"thigh_to_vertical_deg": 0.9},
    )
    assert thigh_from_posture_reference(upright) == (12.0, 0.9)
    lying = MetricValues(
        {"trunk_inclination_deg": 88.0, "thigh_to_horizontal_deg": -15.0},
        {"thigh_to_horizontal_deg": 0.8},
    )
    assert thigh_from_posture_reference(lying) == (15.0, 0.8)


@pytest.mark.parametrize("facing", [1, -1])
def test_hip_offset_grows_with_the_raw_hip_angle(facing):
    """`hip_per_deg` moves the working hip by that much per degree of raw hip extension:
    at 20 deg, 0.005 * 20 = 0.1 trunk lengths (0.05 m) anterior; at 0 deg not at all."""
    calib = Calibration(hip_per_deg=JointOffset(up=0.0, anterior=0.005))
    fig = Figure(facing=facing, thigh_deg=20, trunk_incl=0)
    v = compute_metrics(make_pose(fig), Side.LEFT, facing, calib).values
    t = np.radians(20)
    expected = np.degrees(np.arctan2(0.45 * np.sin(t) + 0.05, 0.45 * np.cos(t)))
    assert v["thigh_to_vertical_deg"] == pytest.approx(expected, abs=1e-6)
    straight = Figure(facing=facing, thigh_deg=0, trunk_incl=0)
    v = compute_metrics(make_pose(straight), Side.LEFT, facing, calib).values
    assert v["thigh_to_vertical_deg"] == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("facing", [1, -1])
def test_knee_offset_acts_in_the_thigh_frame_per_facing(facing):
    """A positive `across` knee offset moves the knee of a hanging thigh anteriorly
    (0.1 trunk = 0.05 m over a 0.45 m thigh); `knee_facing_right` is used for facing +1
    only, `knee` otherwise."""
    calib = Calibration(knee_facing_right=SegmentOffset(along=0.0, across=0.1))
    fig = Figure(facing=facing, thigh_deg=0, trunk_incl=0)
    v = compute_metrics(make_pose(fig), Side.LEFT, facing, calib).values
    expected = -np.degrees(np.arctan2(0.05, 0.45)) if facing > 0 else 0.0
    assert v["thigh_to_vertical_deg"] == pytest.approx(expected, abs=1e-6)
    assert v["hip_extension_deg"] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("facing", [1, -1])
def test_lying_knee_visibility_floor_drops_only_the_lying_working_leg(facing):
    """With `lying_knee_min_visibility`, a lying body whose working knee is seen less
    than that gets no working-leg angles (the trunk and the other knee stay); upright,
    and with the knee seen well enough, nothing changes."""
    floor = Calibration(lying_knee_min_visibility=0.9)
    lying = Figure(facing=facing, trunk_incl=90, thigh_deg=-80, knee_flex=60,
                   other_thigh_deg=-200, other_knee_flex=120)
    dim = make_pose(lying, low_vis=(Landmark.LEFT_KNEE,), vis=0.8)
    v = compute_metrics(dim, Side.LEFT, facing, floor).values
    for name in ("hip_extension_deg", "thigh_to_horizontal_deg", "knee_flexion_deg"):
        assert np.isnan(v[name])
    assert v["trunk_inclination_deg"] == pytest.approx(90, abs=1e-6)
    assert np.isfinite(v["other_knee_flexion_deg"])
    seen = compute_metrics(dim, Side.LEFT, facing, Calibration()).values
    assert seen["thigh_to_horizontal_deg"] == pytest.approx(-10, abs=1e-6)
    clear = compute_metrics(make_pose(lying), Side.LEFT, facing, floor).values
    assert clear["thigh_to_horizontal_deg"] == pytest.approx(-10, abs=1e-6)
    upright = make_pose(Figure(facing=facing), low_vis=(Landmark.LEFT_KNEE,), vis=0.8)
    assert np.isfinite(compute_metrics(upright, Side.LEFT, facing, floor).values[
        "hip_extension_deg"])
