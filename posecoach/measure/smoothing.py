"""One-euro filtering of metric time series (Casiez, Roussel & Vogel, CHI 2012).

The one-euro filter is a first-order low-pass whose cutoff rises with speed:

    cutoff = min_cutoff_hz + beta * |d value / dt|   (dt from real timestamps)
    alpha  = 1 / (1 + 1 / (2 pi cutoff dt))
    out    = out_prev + alpha * (value - out_prev)

so a still angle is smoothed hard (jitter removed) while a moving one is followed
with little lag. The derivative itself is low-passed at `d_cutoff_hz`.

Dropouts: a NaN sample (landmark not seen for a frame) holds the last output for up
to `max_gap_s`; a longer gap outputs NaN and restarts the filter on the next value,
so it never glides from a stale value into a new position.

Spikes: BlazePose sometimes puts a joint somewhere else for a frame or two (on the
bench clip with the far leg working, the working knee jumps towards the other knee
and the thigh angle reads 40-60 deg off, then comes back). A sample further from the
filtered value than `max_jump` + `max_jump_rate` x (time since the last accepted
sample) is held like a dropout; only when `confirm_samples` such samples in a row
agree with each other is it taken as a real new level, and the filter restarts there.
Stretching never moves a segment 20 deg in one frame at 30 fps (600 deg/s), so real
movement is not delayed; a real jump of level (a re-found person) is taken two frames
late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OneEuroParams:
    """Filter settings; units of `beta` are 1 / (metric unit), here 1/deg.

    The defaults come from a grid search (min_cutoff 0.3-1.5 Hz, beta 0.005-0.08,
    d_cutoff 0.5-1 Hz) on synthetic angle traces at 30 fps with 2 deg Gaussian
    jitter, checked in tests/test_smoothing.py: the jitter std of a still angle
    falls to about 0.4 of the raw one, while ramps of 20-60 deg/s are followed with
    about 0.05 s of lag. White jitter cannot be cut much further without lagging
    movement; a higher min_cutoff trades stillness for responsiveness.
    """

    min_cutoff_hz: float = 0.8
    beta: float = 0.04
    d_cutoff_hz: float = 0.5
    max_gap_s: float = 0.35
    # Spike rejection (see the module docs); max_jump None turns it off.
    max_jump: float | None = 15.0
    max_jump_rate: float = 150.0
    confirm_samples: int = 3


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


@dataclass
class OneEuroFilter:
    """One-euro filter of a scalar signal sampled at arbitrary, increasing times."""

    params: OneEuroParams = field(default_factory=OneEuroParams)
    _value: float | None = field(default=None, repr=False)
    _deriv: float = field(default=0.0, repr=False)
    _last_time: float | None = field(default=None, repr=False)
    _last_valid_time: float | None = field(default=None, repr=False)
    _suspects: list[float] = field(default_factory=list, repr=False)

    def reset(self) -> None:
        self._value, self._deriv, self._last_time, self._last_valid_time = None, 0.0, None, None
        self._suspects.clear()

    def __call__(self, value: float, time_s: float) -> float:
        """Filtered value at `time_s` (NaN when the signal has been missing too long)."""
        if value is None or not math.isfinite(value):
            return self._hold(time_s)
        if self._value is None or self._last_time is None:
            return self._start(value, time_s)
        if self._is_spike(value, time_s):
            if len(self._suspects) < self.params.confirm_samples:
                return self._hold(time_s)
            return self._start(value, time_s)  # confirmed: a real new level
        dt = time_s - self._last_time
        if dt <= 0:
            return self._value  # repeated timestamp: nothing new to integrate
        p = self.params
        deriv = (value - self._value) / dt
        self._deriv += _alpha(p.d_cutoff_hz, dt) * (deriv - self._deriv)
        cutoff = p.min_cutoff_hz + p.beta * abs(self._deriv)
        self._value += _alpha(cutoff, dt) * (value - self._value)
        self._last_time = self._last_valid_time = time_s
        return self._value

    def _is_spike(self, value: float, time_s: float) -> bool:
        """Whether `value` jumps too far from the output; collects it as a suspect."""
        p = self.params
        if p.max_jump is None or self._last_valid_time is None:
            return False
        allowed = p.max_jump + p.max_jump_rate * max(time_s - self._last_valid_time, 0.0)
        if abs(value - self._value) <= allowed:
            self._suspects.clear()
            return False
        if self._suspects and abs(value - self._suspects[-1]) > allowed:
            self._suspects.clear()  # not the same new level as the suspects before it
        self._suspects.append(value)
        return True

    def _start(self, value: float, time_s: float) -> float:
        self._value, self._deriv = float(value), 0.0
        self._last_time = self._last_valid_time = time_s
        self._suspects.clear()
        return self._value

    def _hold(self, time_s: float) -> float:
        if self._value is None or self._last_valid_time is None:
            return float("nan")
        if time_s - self._last_valid_time <= self.params.max_gap_s:
            return self._value
        self.reset()
        return float("nan")


@dataclass
class MetricSmoother:
    """A one-euro filter per metric name, created on first use.

    `params` maps a metric name to its own settings; others use `default`.
    """

    default: OneEuroParams = field(default_factory=OneEuroParams)
    params: dict[str, OneEuroParams] = field(default_factory=dict)
    _filters: dict[str, OneEuroFilter] = field(default_factory=dict, repr=False)

    def update(self, values: dict[str, float], time_s: float) -> dict[str, float]:
        out = {}
        for name, value in values.items():
            filt = self._filters.get(name)
            if filt is None:
                filt = self._filters[name] = OneEuroFilter(self.params.get(name, self.default))
            out[name] = filt(value, time_s)
        return out

    def forget(self, names: tuple[str, ...]) -> None:
        """Restart the filters of `names` (e.g. the leg metrics when the leg changes)."""
        for name in names:
            self._filters.pop(name, None)

    def reset(self) -> None:
        self._filters.clear()
