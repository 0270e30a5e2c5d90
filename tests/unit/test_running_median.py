"""RunningMedian gives np.median of the last `window` values at every step."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from posecoach.measure.running_median import RunningMedian


@pytest.mark.parametrize("window", [1, 2, 7, 50])
def test_matches_numpy_over_a_sliding_window(window):
    rng = np.random.default_rng(window)
    # Rounded values: many ties, which the sorted list must remove one at a time.
    values = np.round(rng.normal(0.0, 3.0, 400), 1)
    med, recent = RunningMedian(window), deque(maxlen=window)
    for value in values:
        med.add(value)
        recent.append(value)
        assert len(med) == len(recent)
        assert med.median() == pytest.approx(float(np.median(recent)), abs=1e-12)


def test_empty_is_nan_and_window_must_be_positive():
    assert np.isnan(RunningMedian(5).median())
    with pytest.raises(ValueError):
        RunningMedian(0)
