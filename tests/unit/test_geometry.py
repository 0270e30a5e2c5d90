"""Angle maths against hand-computed answers, both facings, NaN propagation."""

import numpy as np
import pytest

from posecoach.measure import geometry as geo


def test_angle_between_basic_and_degenerate():
    assert geo.angle_between(np.array([1, 0]), np.array([0, 1])) == pytest.approx(90)
    assert geo.angle_between(np.array([1, 0]), np.array([-1, 1e-9])) == pytest.approx(180)
    assert np.isnan(geo.angle_between(np.array([0, 0]), np.array([0, 1])))
    assert np.isnan(geo.angle_between(np.array([np.nan, 0]), np.array([0, 1])))


def test_angle_between_broadcasts():
    u = np.array([[1, 0], [0, 1], [1, 1]])
    out = geo.angle_between(u, np.array([1, 0]))
    np.testing.assert_allclose(out, [0, 90, 45])


def test_joint_flexion_straight_and_right_angle():
    hip, knee = np.array([0, 0]), np.array([0, 100])
    assert geo.joint_flexion(hip, knee, np.array([0, 200])) == pytest.approx(0)
    assert geo.joint_flexion(hip, knee, np.array([-100, 100])) == pytest.approx(90)
    assert geo.joint_flexion(hip, knee, np.array([100, 100])) == pytest.approx(90)


@pytest.mark.parametrize("facing", [1, -1])
def test_inclination_signs_follow_body_not_image(facing):
    back = np.array([-facing, 0.0])  # a posterior horizontal vector
    up = np.array([0.0, -1.0])
    assert geo.inclination_from_up(up, facing) == pytest.approx(0)
    assert geo.inclination_from_up(up + 0.01 * back, facing) > 0
    assert geo.inclination_from_up(back, facing) == pytest.approx(90)
    down = np.array([0.0, 1.0])
    assert geo.inclination_from_down(down, facing) == pytest.approx(0)
    # knee 30 degrees behind the hip
    thigh = np.array([-facing * np.sin(np.radians(30)), np.cos(np.radians(30))])
    assert geo.inclination_from_down(thigh, facing) == pytest.approx(30)


def test_elevation_ignores_horizontal_direction():
    assert geo.elevation(np.array([10, 10])) == pytest.approx(-45)
    assert geo.elevation(np.array([-10, 10])) == pytest.approx(-45)
    assert geo.elevation(np.array([-10, -10])) == pytest.approx(45)
    assert geo.elevation(np.array([5, 0])) == pytest.approx(0)


@pytest.mark.parametrize("facing", [1, -1])
def test_extension_from_line(facing):
    line = np.array([0.0, 1.0])  # upright trunk, shoulder -> hip
    behind = np.array([-facing * np.sin(np.radians(20)), np.cos(np.radians(20))])
    ahead = np.array([facing * 1.0, 0.0])
    assert geo.extension_from_line(line, line, facing) == pytest.approx(0)
    assert geo.extension_from_line(line, behind, facing) == pytest.approx(20)
    assert geo.extension_from_line(line, ahead, facing) == pytest.approx(-90)
    # trunk leaning back 15 degrees with a vertical thigh = 15 degrees of extension
    lean = np.array([facing * np.sin(np.radians(15)), np.cos(np.radians(15))])
    assert geo.extension_from_line(lean, np.array([0.0, 1.0]), facing) == pytest.approx(15)


def test_body_frame_round_trip_and_bad_facing():
    v = np.array([[3.0, -4.0], [-1.0, 2.0]])
    for facing in (1, -1):
        np.testing.assert_allclose(geo.from_body_frame(geo.to_body_frame(v, facing), facing), v)
    with pytest.raises(ValueError):
        geo.to_body_frame(v, 0)


def test_anterior_of_upright_and_supine():
    np.testing.assert_allclose(geo.anterior_of(np.array([0, -2.0]), 1), [1, 0], atol=1e-12)
    np.testing.assert_allclose(geo.anterior_of(np.array([0, -2.0]), -1), [-1, 0], atol=1e-12)
    # supine, head image-left, seen from the left side: front points up
    np.testing.assert_allclose(geo.anterior_of(np.array([-1.0, 0]), 1), [0, -1], atol=1e-12)


def test_cross2_and_offset_and_wrap():
    assert geo.cross2(np.array([1, 0]), np.array([0, 1])) == pytest.approx(1)  # clockwise
    assert geo.point_line_offset(np.array([5, 3]), np.zeros(2), np.array([1, 0])) == pytest.approx(
        3
    )
    np.testing.assert_allclose(geo.wrap_deg(np.array([190, -190, 180])), [-170, 170, -180])
