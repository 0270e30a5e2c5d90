"""The view scale is an increasing map fitted to what the estimate reads (fit_view_scale)."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.measure.view import ViewScale
from tools.calibrate.fit_view_scale import band_errors, fit_scale, pooled


def test_a_biased_estimate_is_mapped_back_to_the_truth():
    rng = np.random.default_rng(0)
    true = np.repeat(np.arange(0.0, 61.0, 5.0), 50)
    raw = 0.7 * true + 8.0 + rng.normal(0.0, 0.5, true.size)  # side-on reads 8, turns read low
    scale = fit_scale(raw, true, np.ones_like(raw))
    assert all(b > a for a, b in zip(scale.raw_deg, scale.raw_deg[1:], strict=False))
    assert all(b > a for a, b in zip(scale.true_deg, scale.true_deg[1:], strict=False))
    pairs = [(float(t), raw[true == t]) for t in np.unique(true)]
    assert pooled(pairs, ViewScale()) > 4.0
    assert pooled(pairs, scale) < 1.5
    assert band_errors(pairs, scale)[30.0] < 1.5


def test_reads_that_do_not_separate_are_pooled_into_one_knot():
    """Side-on, 5 and 10 deg all read about 9: one knot at their mean, not a zigzag."""
    raw = np.array([9.2, 8.9, 9.1, 9.0, 9.3, 8.8, 20.0, 30.0])
    true = np.array([10.0, 0.0, 5.0, 5.0, 0.0, 10.0, 25.0, 40.0])
    scale = fit_scale(raw, true, np.ones_like(raw), bin_deg=0.2)
    assert scale.degrees(9.0) == pytest.approx(5.0, abs=0.5)
    assert scale.degrees(20.0) == pytest.approx(25.0)
    assert len(scale.raw_deg) == 3


def test_no_frames_is_an_error():
    with pytest.raises(ValueError):
        fit_scale(np.array([np.nan]), np.array([1.0]), np.array([1.0]))
