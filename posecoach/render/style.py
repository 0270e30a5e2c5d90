"""Colours, sizes and text drawing shared by the annotators.

Sizes are in units of `image height / 720`, so the overlay looks the same on a 720p
and a 1080p window and stays readable from 2-3 m away. OpenCV's Hershey fonts only
draw ASCII, so text is folded to ASCII first (a stray "?" box helps nobody).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

Color = tuple[int, int, int]  # BGR

WHITE: Color = (255, 255, 255)
BLACK: Color = (0, 0, 0)
GREY: Color = (170, 170, 170)
DARK: Color = (40, 40, 40)
# Severity colours: red pauses the timer, amber is advice, green is encouragement.
FAULT: Color = (40, 40, 220)
HINT: Color = (0, 170, 245)
GOOD: Color = (60, 170, 40)
INFO: Color = (120, 80, 30)
# The working leg stands out in a colour no severity uses.
HIGHLIGHT: Color = (255, 200, 0)
SETUP: Color = (0, 215, 255)

SEVERITY_COLORS: dict[str, Color] = {"fault": FAULT, "hint": HINT, "good": GOOD}

FONT = cv2.FONT_HERSHEY_DUPLEX
REFERENCE_HEIGHT = 720.0

_ASCII = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u00b7": "-", "\u2026": "...",
                        "\u00b0": " deg"})


def unit(image: np.ndarray) -> float:
    """One layout unit in pixels for this image (1.0 at 720 px high)."""
    return image.shape[0] / REFERENCE_HEIGHT


# The overlay asks for the same few texts every frame: folding and measuring them once
# saves about 1.5 ms of CPU a frame (tools/bench/profile_stages.py).
@lru_cache(maxsize=1024)
def ascii_text(text: str) -> str:
    """`text` with typographic punctuation replaced and other non-ASCII dropped."""
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return folded.encode("ascii", "ignore").decode("ascii")


@dataclass(frozen=True)
class TextStyle:
    """A font size in layout units (height of a capital letter) and stroke thickness."""

    size: float = 24.0
    thickness: float = 2.0

    def cv_scale(self, u: float) -> float:
        # Hershey duplex capitals are about 22 px high at scale 1.
        return self.size * u / 22.0

    def cv_thickness(self, u: float) -> int:
        return max(1, round(self.thickness * u))


@lru_cache(maxsize=1024)
def text_size(text: str, scale: float, thickness: int) -> tuple[int, int, int]:
    """(width, height above baseline, depth below baseline) in pixels."""
    (w, h), base = cv2.getTextSize(ascii_text(text), FONT, scale, thickness)
    return w, h, base


def fit_scale(text: str, scale: float, thickness: int, max_width: float) -> float:
    """The largest scale <= `scale` at which `text` fits in `max_width` pixels."""
    width = text_size(text, scale, thickness)[0]
    return scale if width <= max_width or width == 0 else scale * max_width / width


def put_text(
    image: np.ndarray,
    text: str,
    org: tuple[float, float],
    scale: float,
    color: Color,
    thickness: int,
    outline: Color | None = BLACK,
) -> None:
    """Draw text with its baseline-left at `org`, with a dark outline for contrast."""
    text = ascii_text(text)
    x, y = round(org[0]), round(org[1])
    if outline is not None:
        halo = thickness + 2 * max(1, thickness // 2 + 1)
        cv2.putText(image, text, (x, y), FONT, scale, outline, halo, cv2.LINE_AA)
    cv2.putText(image, text, (x, y), FONT, scale, color, thickness, cv2.LINE_AA)


def put_text_centered(
    image: np.ndarray,
    text: str,
    center: tuple[float, float],
    scale: float,
    color: Color,
    thickness: int,
    outline: Color | None = BLACK,
) -> None:
    """Draw text centred (horizontally and on its capital height) on `center`."""
    w, h, _ = text_size(text, scale, thickness)
    put_text(image, text, (center[0] - w / 2, center[1] + h / 2), scale, color, thickness, outline)


def fill_rect(
    image: np.ndarray, top_left: tuple[float, float], bottom_right: tuple[float, float],
    color: Color, alpha: float = 1.0,
) -> None:
    """A filled rectangle, blended with the image when alpha < 1 (only its own pixels)."""
    h, w = image.shape[:2]
    x0, y0 = max(0, round(top_left[0])), max(0, round(top_left[1]))
    x1, y1 = min(w, round(bottom_right[0])), min(h, round(bottom_right[1]))
    if x1 <= x0 or y1 <= y0:
        return
    region = image[y0:y1, x0:x1]
    if alpha >= 1.0:
        region[:] = color
    else:
        # region * (1 - alpha) + color * alpha in place, in uint8 with cv2 (rounded to
        # within 1 level): a twentieth of the cost of the same sum in float numpy.
        cv2.convertScaleAbs(region, dst=region, alpha=1.0 - alpha, beta=0.0)
        cv2.add(region, (*(float(c) * alpha for c in color), 0.0), dst=region)
