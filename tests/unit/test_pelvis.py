"""Back-contour profile and features on drawn silhouettes with a known back shape."""

import cv2
import numpy as np
import pytest

from posecoach.landmarks import Side
from posecoach.measure.calibration import Calibration, PelvisModel
from posecoach.measure.frame import compute_metrics
from posecoach.measure.pelvis import (
    PROFILE_LEVELS,
    ContourFeatures,
    ContourReference,
    back_profile,
    contour_features,
)

W, H = 1280, 960
HIP = np.array([640.0, 700.0])
TRUNK = 300.0


def _back_depth(t, hollow, lean_deg):
    """Posterior depth (trunk lengths) of a back with a lumbar hollow and a lean."""
    base = 0.22 + np.tan(np.radians(lean_deg)) * t
    return base - hollow * np.sin(np.pi * np.clip(t, 0, 0.85) / 0.85)


def silhouette(facing, hollow=0.0, lean_deg=0.0):
    t = np.linspace(-0.2, 1.1, 60)
    d = _back_depth(t, hollow, lean_deg)
    back_x = HIP[0] - facing * d * TRUNK
    front_x = np.full_like(t, HIP[0] + facing * 0.2 * TRUNK)
    y = HIP[1] - t * TRUNK
    poly = np.concatenate([np.stack([back_x, y], 1), np.stack([front_x, y], 1)[::-1]])
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    return mask.astype(np.float32)


def with_box_mask(pose):
    """`pose` with a flat-backed box silhouette around its left hip (no hollow)."""
    hip = pose.xy[23]
    sil = np.zeros((pose.image_size[1], pose.image_size[0]), np.float32)
    cv2.rectangle(
        sil, (int(hip[0]) - 90, int(hip[1]) - 210), (int(hip[0]) + 60, int(hip[1]) + 40), 1, -1
    )
    return type(pose)(
        pose.xy, pose.z, pose.visibility, pose.presence, pose.image_size, world=pose.world, mask=sil
    )


@pytest.mark.parametrize("facing", [1, -1])
def test_profile_reads_the_drawn_depth(facing):
    mask = silhouette(facing, hollow=0.05)
    prof = back_profile(mask, HIP, HIP - [0, TRUNK], facing, (W, H))
    expected = _back_depth(PROFILE_LEVELS, 0.05, 0.0)
    np.testing.assert_allclose(prof, expected, atol=0.012)


@pytest.mark.parametrize("facing", [1, -1])
def test_arched_back_has_deeper_hollow_and_steeper_low_back(facing):
    flat = contour_features(
        back_profile(silhouette(facing, 0.0), HIP, HIP - [0, TRUNK], facing, (W, H))
    )
    arched = contour_features(
        back_profile(silhouette(facing, 0.08), HIP, HIP - [0, TRUNK], facing, (W, H))
    )
    assert flat.lordosis_depth == pytest.approx(0.0, abs=0.01)
    assert arched.lordosis_depth == pytest.approx(0.08, abs=0.015)
    assert arched.bend_deg < flat.bend_deg - 10


def test_mask_of_other_resolution_is_scaled():
    mask = silhouette(1, 0.05)
    small = cv2.resize(mask, (W // 2, H // 2), interpolation=cv2.INTER_NEAREST)
    a = back_profile(mask, HIP, HIP - [0, TRUNK], 1, (W, H))
    b = back_profile(small, HIP, HIP - [0, TRUNK], 1, (W, H))
    np.testing.assert_allclose(a, b, atol=0.01)


def test_probe_outside_the_body_gives_nan_and_no_features():
    empty = np.zeros((H, W), np.float32)
    prof = back_profile(empty, HIP, HIP - [0, TRUNK], 1, (W, H))
    assert np.isnan(prof).all()
    assert contour_features(prof) is None
    assert np.isnan(back_profile(empty, HIP, HIP, 1, (W, H))).all()


def test_estimates_need_a_model_and_a_mask():
    from fixtures.poses import Figure, make_pose

    pose = make_pose(Figure())
    model = PelvisModel(intercept=1.0, coef={"lordosis_depth": 100.0}, rmse_deg=3.0)
    calib = Calibration(pelvic_tilt=model, lumbar_extension=model)
    assert np.isnan(compute_metrics(pose, Side.LEFT, 1, calib).values["pelvic_tilt_deg"])
    masked = with_box_mask(pose)
    m = compute_metrics(masked, Side.LEFT, 1, calib)
    assert m.values["pelvic_tilt_deg"] == pytest.approx(1.0, abs=0.5)  # flat box: no hollow
    assert 0 < m.confidence["pelvic_tilt_deg"] <= 0.5
    # upright: thigh angle from vertical minus the (anterior) tilt
    assert m.values["hip_extension_pelvis_deg"] == pytest.approx(
        m.values["thigh_to_vertical_deg"] - m.values["pelvic_tilt_deg"]
    )


def test_relative_features_start_after_the_reference_fills():
    feats = ContourFeatures(-10.0, 12.0, -15.0, -22.0, 0.1)
    ref = ContourReference(min_samples=3)
    upright = {"trunk_inclination_deg": 2.0, "hip_extension_deg": 15.0}
    assert ref.update(feats, upright) == {}
    ref.update(feats, upright)
    rel = ref.update(feats, upright)
    assert rel["rel_low_back_angle_deg"] == pytest.approx(0.0)
    assert rel["rel_hip_extension_deg"] == pytest.approx(0.0)
    arched = ContourFeatures(-16.0, 12.0, -15.0, -28.0, 0.13)
    rel = ref.update(arched, upright)
    assert rel["rel_low_back_angle_deg"] == pytest.approx(-6.0)  # median still -10
    # lying has its own reference: nothing yet
    assert ref.update(feats, {"trunk_inclination_deg": 88.0}) == {}


def test_relative_profile_levels_follow_the_outline_where_it_moved():
    feats = ContourFeatures(-10.0, 12.0, -15.0, -22.0, 0.1)
    upright = {"trunk_inclination_deg": 2.0, "hip_extension_deg": 15.0}
    usual = {"prof_00": 0.02, "prof_01": -0.01}
    ref = ContourReference(min_samples=3)
    for _ in range(3):
        rel = ref.update(feats, upright, usual)
    assert rel["rel_prof_00"] == pytest.approx(0.0)
    hollow = {"prof_00": 0.02, "prof_01": -0.05}  # the outline deepens at one level only
    rel = ref.update(feats, upright, hollow)
    assert rel["rel_prof_00"] == pytest.approx(0.0)
    assert rel["rel_prof_01"] == pytest.approx(-0.04)
    assert "rel_prof_00" not in ContourReference(min_samples=3).update(feats, upright)


def test_relative_model_needs_a_reference():
    from fixtures.poses import Figure, make_pose

    model = PelvisModel(intercept=0.0, coef={"rel_bend_deg": -1.0})
    calib = Calibration(pelvic_tilt=model, lumbar_extension=model)
    pose = make_pose(Figure())
    masked = with_box_mask(pose)
    assert np.isnan(compute_metrics(masked, Side.LEFT, 1, calib).values["lumbar_extension_deg"])
    ref = ContourReference(min_samples=2)
    values = [compute_metrics(masked, Side.LEFT, 1, calib, ref).values for _ in range(3)]
    assert np.isnan(values[0]["lumbar_extension_deg"])
    assert values[-1]["lumbar_extension_deg"] == pytest.approx(0.0)


def test_relative_profile_is_kept_only_for_models_that_read_it():
    from posecoach.measure.pelvis import reads_relative_profile

    plain = PelvisModel(intercept=0.0, coef={"rel_bend_deg": -1.0})
    levels = PelvisModel(intercept=0.0, coef={"rel_prof_04": 2.0})
    assert not reads_relative_profile(plain, plain)
    assert reads_relative_profile(plain, levels)
