"""One-euro filter: removes jitter, follows real movement, survives dropouts."""

import math

import numpy as np
import pytest

from posecoach.measure.smoothing import MetricSmoother, OneEuroFilter, OneEuroParams

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


def test_one_and_two_frame_spikes_are_held_not_smeared():
    # A still angle with 50 deg jumps lasting one and two frames (the model putting the
    # knee somewhere else): the output must not move towards them.
    signal = np.full(60, 10.0)
    signal[20] = 60.0
    signal[40:42] = -40.0
    out = _run(signal)
    assert np.max(np.abs(out - 10.0)) < 1e-9


def test_a_real_new_level_is_taken_after_three_samples():
    signal = np.r_[np.full(30, 0.0), np.full(30, 50.0)]
    out = _run(signal)
    assert np.all(out[30:32] == 0.0)  # two samples held as possible spikes
    assert np.all(out[32:] == 50.0)  # the third agrees: restarted at the new level


def test_spikes_in_different_directions_are_not_a_new_level():
    signal = np.full(40, 0.0)
    signal[10:13] = [45.0, -45.0, 45.0]  # three far samples that disagree
    out = _run(signal)
    assert np.max(np.abs(out)) < 1e-9


def test_fast_real_movement_is_not_taken_for_a_spike():
    # 300 deg/s (10 deg a frame at 30 fps), far faster than any stretch, still passes.
    t = np.arange(60) / FPS
    clean = np.where(t < 1, 0.0, np.minimum(300 * (t - 1), 90.0))
    out = _run(clean)
    assert abs(out[50] - 90.0) < 2.0
    assert np.all(np.diff(out) >= -1e-9)  # never held back, never overshooting down


def test_spike_rejection_can_be_turned_off():
    signal = np.full(30, 10.0)
    signal[15] = 60.0
    out = _run(signal, OneEuroParams(max_jump=None))
    assert out[15] > 20.0
