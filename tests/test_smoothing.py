"""One-euro filter: removes jitter, follows real movement, survives dropouts."""

import math

import numpy as np
import pytest

from posecoach.smoothing import MetricSmoother, OneEuroFilter, OneEuroParams

FPS = 30.0


def _run(signal, params=None, fps=FPS):
    f = OneEuroFilter(params or OneEuroParams())
    return np.array([f(v, i / fps) for i, v in enumerate(signal)])


def test_still_jitter_is_more_than_halved():
    rng = np.random.default_rng(0)
    noisy = 20 + rng.normal(0, 2.0, 300)
    out = _run(noisy)
    assert np.std(out[30:]) < 0.5 * np.std(noisy)
    assert np.mean(out[30:]) == pytest.approx(20, abs=0.5)


@pytest.mark.parametrize("speed", [20.0, 40.0, 60.0])
def test_ramp_is_followed_with_little_lag(speed):
    t = np.arange(120) / FPS
    clean = np.where(t < 1, 0.0, speed * (t - 1))
    out = _run(clean)
    lag_deg = clean[90:] - out[90:]  # well into the ramp
    assert np.max(np.abs(lag_deg)) < 0.1 * speed  # under 0.1 s of lag


def test_step_settles_fast():
    clean = np.r_[np.zeros(30), np.full(60, 30.0)]
    out = _run(clean)
    # a 30 degree change of position is within 1 degree after a third of a second
    assert abs(out[30 + 10] - 30) < 1.0


def test_tuned_beats_raw_on_noisy_movement():
    """Total error vs the clean trace is lower after filtering than before."""
    rng = np.random.default_rng(1)
    t = np.arange(300) / FPS
    clean = 15 * np.sin(2 * math.pi * 0.3 * t)  # up to 28 deg/s
    noisy = clean + rng.normal(0, 2.0, t.size)
    out = _run(noisy)
    assert np.mean(np.abs(out - clean)) < 0.8 * np.mean(np.abs(noisy - clean))


def test_single_nan_is_held_long_gap_restarts():
    f = OneEuroFilter(OneEuroParams(max_gap_s=0.2))
    assert f(10.0, 0.0) == 10.0
    assert f(float("nan"), 1 / 30) == 10.0  # held
    assert f(10.0, 2 / 30) == pytest.approx(10.0)
    for i in range(3, 12):
        last = f(float("nan"), i / 30)
    assert math.isnan(last)
    assert f(50.0, 0.5) == 50.0  # restarted, no glide from the stale value


def test_nan_before_any_value_and_repeated_time():
    f = OneEuroFilter()
    assert math.isnan(f(float("nan"), 0.0))
    assert f(5.0, 0.1) == 5.0
    assert f(9.0, 0.1) == 5.0


def test_frame_rate_independence():
    """Same signal sampled at 30 and 60 fps ends near the same place."""
    t30, t60 = np.arange(30) / 30, np.arange(60) / 60
    a = _run(np.where(t30 > 0.2, 10.0, 0.0), fps=30)
    b = _run(np.where(t60 > 0.2, 10.0, 0.0), fps=60)
    assert a[-1] == pytest.approx(b[-1], abs=0.3)


def test_metric_smoother_per_name_and_forget():
    s = MetricSmoother()
    out = s.update({"a": 1.0, "b": float("nan")}, 0.0)
    assert out["a"] == 1.0 and math.isnan(out["b"])
    s.update({"a": 1.0}, 0.1)
    s.forget(("a",))
    assert s.update({"a": 7.0}, 0.2)["a"] == 7.0
