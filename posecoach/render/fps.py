"""Frame-rate (and end-to-end latency) readout at the top, small: in the top-right corner,
or ending `gap` left of a given x (the overlay passes the timer ring's left edge)."""

from __future__ import annotations

import math

import numpy as np

from posecoach.render.style import WHITE, Color, TextStyle, put_text, text_size, unit

RATE_TEXT = TextStyle(16.0, 1.0)


def rate_text(fps: float | None, latency_ms: float | None = None) -> str:
    parts = []
    if fps is not None and math.isfinite(fps):
        parts.append(f"{fps:.1f} fps")
    if latency_ms is not None and math.isfinite(latency_ms):
        parts.append(f"{latency_ms:.0f} ms")
    return "  ".join(parts)


class FpsAnnotator:
    def __init__(self, text: TextStyle = RATE_TEXT, color: Color = WHITE, gap: float = 24.0):
        self.text, self.color, self.gap = text, color, gap

    def annotate(
        self, image: np.ndarray, fps: float | None, latency_ms: float | None = None,
        right: float | None = None,
    ) -> np.ndarray:
        text = rate_text(fps, latency_ms)
        if not text:
            return image
        u = unit(image)
        scale, thick = self.text.cv_scale(u), self.text.cv_thickness(u)
        w, h, _ = text_size(text, scale, thick)
        x1 = image.shape[1] - 12 * u if right is None else right - self.gap * u
        put_text(image, text, (x1 - w, 10 * u + h), scale, self.color, thick)
        return image
