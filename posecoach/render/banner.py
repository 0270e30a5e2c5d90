"""Text panels: the cue banner (coloured by severity), set-up guidance, notices and the
safety note. Each draws what it is given; choosing the message happens elsewhere.

Cue text is sized to be read from 3 m (capitals about 1/15 of the picture's height); a
cue too long for one line wraps onto two rather than shrinking (only text too long for
two lines is shrunk)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from posecoach.render.stamp import StampCache
from posecoach.render.style import (
    BLACK,
    DARK,
    INFO,
    SETUP,
    SEVERITY_COLORS,
    WHITE,
    Color,
    TextStyle,
    fill_rect,
    fit_scale,
    put_text_centered,
    text_size,
    unit,
)

CUE_TEXT = TextStyle(48.0, 3.0)
SECOND_CUE_TEXT = TextStyle(32.0, 2.0)
TWO_LINES = 1.75  # a wrapped band's height, in one-line bands
MESSAGE_TEXT = TextStyle(34.0, 3.0)
SAFETY_TEXT = TextStyle(20.0, 2.0)
_TRANSLUCENT_BANDS = StampCache(32)


def _band(
    image: np.ndarray, text: str, top: float, height: float, fill: Color, text_color: Color,
    style: TextStyle, alpha: float = 0.85, width_fraction: float = 1.0,
) -> None:
    """A horizontal band centred across the image with one line of text fitted inside.

    An opaque band does not depend on the picture under it, so it is drawn once per
    text, colour and size and then copied in (a cue stays up for seconds: redrawing its
    large outlined text every frame cost a quarter of the overlay's time).
    """
    u, w = unit(image), image.shape[1]
    band_w = w * width_fraction
    x0 = (w - band_w) / 2
    if alpha >= 1.0:
        left, y0 = round(x0), round(top)
        sprite = _opaque_band(text, round(x0 + band_w) - left, round(top + height) - y0,
                              fill, text_color, style, u)
        _paste(image, sprite, left, y0)
        return
    def draw(canvas: np.ndarray) -> None:
        fill_rect(canvas, (x0, top), (x0 + band_w, top + height), fill, alpha)
        _band_text(canvas, text, (w / 2, top + height / 2), band_w, text_color, style, u)

    # A translucent band shows the picture through: drawn once, then stamped.
    key = (text, top, height, fill, text_color, style, alpha, width_fraction)
    _TRANSLUCENT_BANDS.apply(image, key, draw)


def _band_text(
    image: np.ndarray, text: str, centre: tuple[float, float], band_w: float,
    text_color: Color, style: TextStyle, u: float,
) -> None:
    thick = style.cv_thickness(u)
    lines = text.split("\n")
    scale = min(fit_scale(line, style.cv_scale(u), thick, band_w - 40 * u) for line in lines)
    outline = BLACK if text_color == WHITE else None
    step = 1.6 * text_size("H", scale, thick)[1]
    for i, line in enumerate(lines):
        y = centre[1] + (i - (len(lines) - 1) / 2) * step
        put_text_centered(image, line, (centre[0], y), scale, text_color, thick, outline)


def wrap(text: str, style: TextStyle, u: float, width: float) -> str:
    """`text` as it fits a band `width` px wide: one line, else two lines split at the
    word break that makes the longer line shortest (joined by a newline)."""
    thick, scale = style.cv_thickness(u), style.cv_scale(u)
    room = width - 40 * u
    words = text.split()
    if text_size(text, scale, thick)[0] <= room or len(words) < 2:
        return text
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    best = min(splits, key=lambda ab: max(text_size(t, scale, thick)[0] for t in ab))
    return "\n".join(best)


@lru_cache(maxsize=32)
def _opaque_band(
    text: str, width: int, height: int, fill: Color, text_color: Color, style: TextStyle,
    u: float,
) -> np.ndarray:
    """An opaque band of `width` x `height` pixels with `text` centred in it (read-only)."""
    sprite = np.empty((max(height, 0), max(width, 0), 3), np.uint8)
    sprite[:] = fill
    _band_text(sprite, text, (width / 2, height / 2), width, text_color, style, u)
    sprite.flags.writeable = False
    return sprite


def _paste(image: np.ndarray, sprite: np.ndarray, x0: int, y0: int) -> None:
    """Copy `sprite` into `image` with its top-left at (x0, y0), clipped to the image."""
    h, w = image.shape[:2]
    sh, sw = sprite.shape[:2]
    ix0, iy0 = max(x0, 0), max(y0, 0)
    ix1, iy1 = min(x0 + sw, w), min(y0 + sh, h)
    if ix1 > ix0 and iy1 > iy0:
        image[iy0:iy1, ix0:ix1] = sprite[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0]


class CueBannerAnnotator:
    """The session's cues as full-width bands at the bottom, most important lowest and
    largest; when there is no cue, the phase prompt in a neutral band."""

    def __init__(
        self,
        height: float = 104.0,
        text: TextStyle = CUE_TEXT,
        second: TextStyle = SECOND_CUE_TEXT,
        prompt_color: Color = INFO,
        max_cues: int = 2,
        alpha: float = 1.0,
    ):
        self.alpha = alpha
        self.height, self.text, self.second = height, text, second
        self.prompt_color, self.max_cues = prompt_color, max_cues

    def annotate(self, image: np.ndarray, state) -> np.ndarray:
        if state is None:
            return image
        u, h, w = unit(image), image.shape[0], image.shape[1]
        bands = [(c.text, SEVERITY_COLORS.get(c.severity, INFO)) for c in state.cues]
        if not bands and state.prompt:
            bands = [(state.prompt, self.prompt_color)]
        bottom = h
        for i, (text, color) in enumerate(bands[: self.max_cues]):
            style = self.text if i == 0 else self.second
            text = wrap(text, style, u, w)
            height = self.height * u * (1.0 if i == 0 else 0.7)
            height *= TWO_LINES if "\n" in text else 1.0
            _band(image, text, bottom - height, height, color, WHITE, style, self.alpha)
            bottom -= height
        return image

    def top(self, image: np.ndarray) -> float:
        """y of the top of the main band (other panels stay above it)."""
        return image.shape[0] - self.height * unit(image)


class MessageAnnotator:
    """One message in a band `y_fraction` down the image, e.g. set-up guidance
    ("Turn side-on to the camera") or a notice ("Paused")."""

    def __init__(
        self,
        fill: Color = SETUP,
        text_color: Color = BLACK,
        y_fraction: float = 0.25,
        height: float = 70.0,
        text: TextStyle = MESSAGE_TEXT,
        width_fraction: float = 0.8,
    ):
        self.fill, self.text_color, self.y_fraction = fill, text_color, y_fraction
        self.height, self.text, self.width_fraction = height, text, width_fraction

    def annotate(self, image: np.ndarray, message: str | None) -> np.ndarray:
        if not message:
            return image
        u = unit(image)
        top = image.shape[0] * self.y_fraction
        _band(image, message, top, self.height * u, self.fill, self.text_color, self.text,
              alpha=0.9, width_fraction=self.width_fraction)
        return image


class SafetyAnnotator:
    """Safety lines in a dark panel just above the cue banner (start and end of a session)."""

    def __init__(self, text: TextStyle = SAFETY_TEXT, bottom_gap: float = 112.0):
        self.text, self.bottom_gap = text, bottom_gap
        self._stamps = StampCache()

    def annotate(self, image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
        if not lines:
            return image
        lines = tuple(lines)
        return self._stamps.apply(image, lines, lambda canvas: self._draw(canvas, lines))

    def _draw(self, image: np.ndarray, lines: tuple[str, ...]) -> None:
        u, w = unit(image), image.shape[1]
        thick = self.text.cv_thickness(u)
        scales = [fit_scale(line, self.text.cv_scale(u), thick, w - 80 * u) for line in lines]
        heights = [text_size(line, s, thick)[1] for line, s in zip(lines, scales, strict=True)]
        line_h = max(heights) + 14 * u
        bottom = image.shape[0] - self.bottom_gap * u
        top = bottom - line_h * len(lines) - 12 * u
        fill_rect(image, (20 * u, top), (w - 20 * u, bottom), DARK, 0.75)
        for i, (line, scale) in enumerate(zip(lines, scales, strict=True)):
            y = top + 6 * u + line_h * (i + 0.5)
            put_text_centered(image, line, (w / 2, y), scale, WHITE, thick)
