"""Clocks: the hold timer ring (timed phases) and the big countdown (get ready, rest,
switch sides). Both read SessionState; neither counts anything itself."""

from __future__ import annotations

import math

import cv2
import numpy as np

from posecoach.render.style import (
    DARK,
    FAULT,
    GOOD,
    GREY,
    WHITE,
    Color,
    TextStyle,
    fill_rect,
    put_text,
    put_text_centered,
    text_size,
    unit,
)

TIMER_NUMBER = TextStyle(50.0, 4.0)
TIMER_UNIT = TextStyle(24.0, 2.0)
TIMER_LABEL = TextStyle(20.0, 2.0)
COUNTDOWN_NUMBER = TextStyle(120.0, 8.0)
COUNTDOWN_LABEL = TextStyle(36.0, 3.0)

TIMED = ("hold", "contract", "relax")
LABELS = {"hold": "HOLD", "contract": "SQUEEZE", "relax": "RELAX", "fault": "PAUSED"}
COUNTDOWN_LABELS = {"get_ready": "Get ready", "rest": "Rest", "switch_sides": "Switch sides"}


def whole_seconds(seconds: float | None) -> int | None:
    """Seconds as a clock shows them: 0.2 s left still reads "1"."""
    if seconds is None or not math.isfinite(seconds):
        return None
    return max(0, math.ceil(seconds - 1e-6))


class HoldTimerAnnotator:
    """A ring that fills as good-form seconds are credited, with the seconds still to go
    inside ("12 s", "to go") under the phase's name.

    Drawn in the top-right corner during hold / contract / relax and while paused (fault).
    """

    def __init__(
        self,
        radius: float = 95.0,
        ring: float = 16.0,
        margin: float = 30.0,
        running: Color = GOOD,
        paused: Color = FAULT,
        track: Color = GREY,
        number: TextStyle = TIMER_NUMBER,
        label: TextStyle = TIMER_LABEL,
        unit_text: TextStyle = TIMER_UNIT,
    ):
        self.radius, self.ring, self.margin = radius, ring, margin
        self.running, self.paused, self.track = running, paused, track
        self.number, self.label, self.unit_text = number, label, unit_text

    def center(self, image: np.ndarray) -> tuple[int, int]:
        """Where the ring is drawn (for callers and tests)."""
        u = unit(image)
        r = (self.radius + self.ring / 2 + self.margin) * u
        return round(image.shape[1] - r), round(r + 20 * u)

    def bounds(self, image: np.ndarray) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the ring's dark disc, drawn or not (others keep clear)."""
        cx, cy = self.center(image)
        r = (self.radius + self.ring / 2) * unit(image)
        return cx - r, cy - r, cx + r, cy + r

    def annotate(self, image: np.ndarray, state) -> np.ndarray:
        if state is None or (state.phase not in TIMED and state.phase != "fault"):
            return image
        u = unit(image)
        cx, cy = self.center(image)
        r, width = round(self.radius * u), max(2, round(self.ring * u))
        cv2.circle(image, (cx, cy), r + width // 2, DARK, -1, cv2.LINE_AA)
        cv2.circle(image, (cx, cy), r, self.track, width, cv2.LINE_AA)
        target = state.hold_target_s or 0.0
        done = min(1.0, state.hold_s / target) if target > 0 else 0.0
        color = self.paused if state.phase == "fault" else self.running
        if done > 0:
            cv2.ellipse(image, (cx, cy), (r, r), -90.0, 0.0, 360.0 * done, color, width,
                        cv2.LINE_AA)
        left = whole_seconds(state.seconds_left)
        if left is not None:
            self._seconds(image, left, (cx, cy + 4 * u), u)
            put_text_centered(image, "to go", (cx, cy + r * 0.5), self.label.cv_scale(u), WHITE,
                              self.label.cv_thickness(u), outline=None)
        label = LABELS.get(state.phase, "")
        put_text_centered(image, label, (cx, cy - r * 0.5), self.label.cv_scale(u), color
                          if state.phase == "fault" else WHITE, self.label.cv_thickness(u),
                          outline=None)
        return image

    def _seconds(self, image: np.ndarray, left: int, centre: tuple[float, float], u: float):
        """The number large with its unit small after it, centred together: "12 s"."""
        big, small = self.number, self.unit_text
        number, unit_w = str(left), text_size(" s", small.cv_scale(u), small.cv_thickness(u))[0]
        num_w, num_h, _ = text_size(number, big.cv_scale(u), big.cv_thickness(u))
        x = centre[0] - (num_w + unit_w) / 2
        y = centre[1] + num_h / 2
        put_text(image, number, (x, y), big.cv_scale(u), WHITE, big.cv_thickness(u), None)
        put_text(image, " s", (x + num_w, y), small.cv_scale(u), WHITE, small.cv_thickness(u),
                 None)


class CountdownAnnotator:
    """A big centred count with what it counts down to (get ready, rest, switch sides)."""

    def __init__(
        self,
        number: TextStyle = COUNTDOWN_NUMBER,
        label: TextStyle = COUNTDOWN_LABEL,
        backdrop: Color = DARK,
        alpha: float = 0.55,
    ):
        self.number, self.label = number, label
        self.backdrop, self.alpha = backdrop, alpha

    def annotate(self, image: np.ndarray, state) -> np.ndarray:
        if state is None or state.phase not in COUNTDOWN_LABELS:
            return image
        left = whole_seconds(state.seconds_left)
        if left is None:
            return image
        u = unit(image)
        cx, cy = image.shape[1] / 2, image.shape[0] * 0.55
        half_w, half_h = 190 * u, 125 * u
        fill_rect(image, (cx - half_w, cy - half_h), (cx + half_w, cy + half_h), self.backdrop,
                  self.alpha)
        put_text_centered(image, COUNTDOWN_LABELS[state.phase], (cx, cy - 85 * u),
                          self.label.cv_scale(u), WHITE, self.label.cv_thickness(u))
        put_text_centered(image, str(left), (cx, cy + 30 * u), self.number.cv_scale(u), WHITE,
                          self.number.cv_thickness(u))
        return image
