"""Sagittal-plane angles from a turned camera: the stretch and the world-landmark route,
against a stick figure whose angles are known (tests/fixtures/poses.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecoach.landmarks import Side
from posecoach.measure.calibration import UNCALIBRATED
from posecoach.measure.frame import compute_metrics
from posecoach.measure.sagittal import (
    MAX_CORRECTED_DEG,
    foreshortening,
    stretch_xy,
    world_sagittal,
)
from tests.fixtures.poses import Figure, make_pose


def test_foreshortening_is_one_side_on_and_when_the_view_is_unknown():
    assert foreshortening(0.0) == 1.0
    assert foreshortening(-5.0) == 1.0
    assert foreshortening(float("nan")) == 1.0


def test_foreshortening_undoes_cosine_and_is_capped():
    assert foreshortening(35.0) == pytest.approx(1.0 / math.cos(math.radians(35.0)))
    assert foreshortening(80.0) == pytest.approx(foreshortening(MAX_CORRECTED_DEG))


def test_stretch_scales_x_only_and_leaves_the_input_alone():
    xy = np.array([[10.0, 4.0], [-2.0, 3.0]])
    out = stretch_xy(xy, 2.0)
    assert out.tolist() == [[20.0, 4.0], [-4.0, 3.0]]
    assert xy[0, 0] == 10.0


@pytest.mark.parametrize("yaw", [0.0, 20.0, 35.0, -35.0])
@pytest.mark.parametrize("facing", [1, -1])
def test_stretched_image_angles_read_the_true_hip_extension(yaw, facing):
    fig = Figure(facing=facing, yaw_deg=yaw, thigh_deg=20.0, knee_flex=90.0)
    pose = make_pose(fig)
    flat = compute_metrics(pose, fig.side, facing, UNCALIBRATED).values
    fixed = compute_metrics(
        pose, fig.side, facing, UNCALIBRATED, stretch=foreshortening(abs(yaw))
    ).values
    # The figure's knees sit 1 cm inside its hips: that lateral step projects as
    # 0.01 * sin(yaw) and is stretched too, up to 0.8 deg at 35 deg.
    assert fixed["hip_extension_deg"] == pytest.approx(20.0, abs=0.9)
    assert fixed["thigh_to_vertical_deg"] == pytest.approx(20.0, abs=0.9)
    if abs(yaw) >= 20:
        assert abs(fixed["hip_extension_deg"] - 20.0) < abs(flat["hip_extension_deg"] - 20.0)
        assert flat["hip_extension_deg"] < 19.5  # the turned image under-reads


def test_stretch_leaves_an_upright_trunk_upright():
    fig = Figure(yaw_deg=30.0, trunk_incl=0.0)
    values = compute_metrics(make_pose(fig), fig.side, 1, UNCALIBRATED, stretch=1.3).values
    assert values["trunk_inclination_deg"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("yaw", [0.0, 30.0, -45.0, 60.0])
@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("side", [Side.LEFT, Side.RIGHT])
def test_world_landmarks_give_the_sagittal_angles_at_any_yaw(yaw, facing, side):
    fig = Figure(
        facing=facing, side=side, yaw_deg=yaw, thigh_deg=15.0, knee_flex=80.0, trunk_incl=-10.0
    )
    got = world_sagittal(make_pose(fig).world, side)
    # against the trunk line continued: a 10 deg forward lean takes 10 deg of extension
    assert got["hip_extension_deg"] == pytest.approx(5.0, abs=0.05)
    assert got["knee_flexion_deg"] == pytest.approx(80.0, abs=0.05)


def test_world_route_is_nan_without_world_landmarks_or_a_joint():
    assert math.isnan(world_sagittal(None, Side.LEFT)["hip_extension_deg"])
    pose = make_pose(Figure())
    world = pose.world.copy()
    world[:] = np.nan
    got = world_sagittal(world, Side.LEFT)
    assert all(math.isnan(v) for v in got.values())
