"""The hip angle as an arc at the working hip, between the trunk line (carried on past
the hip) and the thigh, labelled with the measured value.

The value printed is the metric from FrameMetrics (smoothed, calibrated), and the arc is
drawn along the lines it was measured between (FrameMetrics.hip_geometry: the calibrated
joints and the thigh axis used), so the picture and the number agree. Nothing is measured
here.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posecoach.render.style import (
    DARK,
    HIGHLIGHT,
    WHITE,
    Color,
    TextStyle,
    put_text,
    text_size,
    unit,
)
from posecoach.types import FrameRecord

LABEL_TEXT = TextStyle(30.0, 2.0)

METRIC = "hip_extension_deg"


class HipAngleAnnotator:
    """Arc of `radius` layout units; a dashed trunk-line extension; "NN deg" beside it."""

    def __init__(
        self,
        color: Color = HIGHLIGHT,
        line_color: Color = WHITE,
        radius: float = 90.0,
        thickness: float = 4.0,
        text: TextStyle = LABEL_TEXT,
        fill_alpha: float = 0.5,
    ):
        self.fill_alpha = fill_alpha
        self.color = color
        self.line_color = line_color
        self.radius = radius
        self.thickness = thickness
        self.text = text

    def annotate(self, image: np.ndarray, record: FrameRecord) -> np.ndarray:
        pose, metrics = record.pose, record.metrics
        if pose is None or metrics is None or metrics.side is None:
            return image
        geometry = metrics.hip_geometry
        if geometry is None:
            return image
        hip, trunk_dir, thigh_dir = geometry.hip, geometry.trunk_dir, geometry.thigh_dir
        u = unit(image)
        radius = self.radius * u
        width = max(1, round(self.thickness * u))
        _dashed(image, hip, hip + trunk_dir * radius * 1.6, self.line_color, max(1, width // 2))
        start, end = _angles(trunk_dir), _angles(thigh_dir)
        sweep = (end - start + 180.0) % 360.0 - 180.0  # the short way round
        center = (round(hip[0]), round(hip[1]))
        axes = (round(radius), round(radius))
        _wedge(image, center, axes, start, start + sweep, self.color, self.fill_alpha)
        cv2.ellipse(image, center, axes, 0.0, start, start + sweep, DARK, width + 2, cv2.LINE_AA)
        cv2.ellipse(image, center, axes, 0.0, start, start + sweep, self.color, width, cv2.LINE_AA)
        value = metrics.get(METRIC)
        if math.isfinite(value):
            self._label(image, hip, trunk_dir, thigh_dir, radius, f"{value:.0f} deg", u)
        return image

    def _label(self, image, hip, trunk_dir, thigh_dir, radius, text, u) -> None:
        # Level with the hip, beyond the arc on the side it opens to (behind the trunk
        # line for an extended hip), so it covers neither the thigh nor the trunk.
        sign = 1.0 if thigh_dir[0] - trunk_dir[0] >= 0 else -1.0
        scale, thick = self.text.cv_scale(u), self.text.cv_thickness(u)
        w, h, _ = text_size(text, scale, thick)
        x = hip[0] + sign * (radius + 10 * u) - (w if sign < 0 else 0)
        put_text(image, text, (x, hip[1] - radius * 0.3), scale, self.color, thick)


def _wedge(image, center, axes, start: float, end: float, color: Color, alpha: float) -> None:
    """A translucent filled sector, blended only inside its bounding box (cheap)."""
    h, w = image.shape[:2]
    x0, y0 = max(0, center[0] - axes[0]), max(0, center[1] - axes[1])
    x1, y1 = min(w, center[0] + axes[0] + 1), min(h, center[1] + axes[1] + 1)
    if x1 <= x0 or y1 <= y0 or alpha <= 0:
        return
    roi = image[y0:y1, x0:x1]
    layer = roi.copy()
    cv2.ellipse(layer, (center[0] - x0, center[1] - y0), axes, 0.0, start, end, color, -1,
                cv2.LINE_AA)
    cv2.addWeighted(layer, alpha, roi, 1.0 - alpha, 0.0, dst=roi)


def _angles(direction: np.ndarray) -> float:
    """Image angle of a direction in degrees, as cv2.ellipse measures it (y down)."""
    return math.degrees(math.atan2(direction[1], direction[0]))


def _dashed(image, a, b, color: Color, width: int, dash: int = 8) -> None:
    length = float(np.linalg.norm(b - a))
    steps = max(1, int(length // dash))
    for k in range(0, steps, 2):
        p = a + (b - a) * (k / steps)
        q = a + (b - a) * (min(k + 1, steps) / steps)
        cv2.line(image, (round(p[0]), round(p[1])), (round(q[0]), round(q[1])), color, width,
                 cv2.LINE_AA)
