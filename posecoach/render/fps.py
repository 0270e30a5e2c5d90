"""Frame-rate (and end-to-end latency) readout in the top-right corner, small."""

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
    def __init__(self, text: TextStyle = RATE_TEXT, color: Color = WHITE):
        self.text, self.color = text, color

    def annotate(
        self, image: np.ndarray, fps: float | None, latency_ms: float | None = None
    ) -> np.ndarray:
        text = rate_text(fps, latency_ms)
        if not text:
            return image
        u = unit(image)
        scale, thick = self.text.cv_scale(u), self.text.cv_thickness(u)
        w, h, _ = text_size(text, scale, thick)
        put_text(image, text, (image.shape[1] - w - 12 * u, 10 * u + h), scale, self.color, thick)
        return image
