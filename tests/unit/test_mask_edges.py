"""Finding the mask's edge along probe lines."""

import numpy as np
import pytest

from posecoach.measure.mask_edges import edge_distance, sample_mask


def test_edge_is_placed_where_the_mask_crosses_the_threshold():
    # Inside for three steps, then 0.8 -> 0.2: the 0.5 level is half-way to the next step.
    values = np.array([1.0, 1.0, 0.8, 0.2, 0.0])
    assert edge_distance(values, 0.01) == pytest.approx(0.025)


def test_lines_that_start_outside_or_never_leave_have_no_edge():
    values = np.array([[0.2, 0.9, 0.1], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    out = edge_distance(values, 1.0)
    assert np.isnan(out[0]) and np.isnan(out[1])
    assert out[2] == pytest.approx(0.5)  # 1 -> 0: the 0.5 level is half a step out


def test_works_over_any_leading_axes():
    values = np.tile(np.array([1.0, 1.0, 0.0]), (4, 2, 1))
    out = edge_distance(values, 0.5)
    assert out.shape == (4, 2)
    assert np.allclose(out, 0.75)


def test_sampling_is_bilinear_and_zero_outside():
    mask = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)
    xy = np.array([[0.5, 0.5], [0.25, 1.0], [5.0, 0.0], [np.nan, 0.0]])
    assert sample_mask(mask, xy) == pytest.approx([0.5, 0.25, 0.0, 0.0])
