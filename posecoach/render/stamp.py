"""Drawings that repeat frame after frame, recorded once and laid on again.

A translucent panel with outlined text shows the same lines for seconds, yet drawing it
(a blended rectangle and anti-aliased strokes) costs far more than the panel's pixels
are worth. Blending and anti-aliasing change each pixel linearly in what was under it:

    out = under * keep / 255 + add        (keep, add: uint8 per pixel and channel)

Drawn once over black the drawing gives `add`; over white, 255 * keep / 255 + add, so
`keep` is the difference. Each later frame then costs one multiply and one add over the
box the drawing touched. The result matches drawing on the picture itself but for
rounding: a level on a few pixels in a hundred, at most four where anti-aliased text
lies over a translucent fill (tests/unit/test_stamp.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import cv2
import numpy as np

Draw = Callable[[np.ndarray], object]


@dataclass(frozen=True)
class Stamp:
    """What one drawing does to the picture under it, inside the box it touched."""

    x0: int
    y0: int
    keep: np.ndarray  # (h, w, 3) uint8: 255 = the picture shows through unchanged
    add: np.ndarray  # (h, w, 3) uint8: what is added on top

    @classmethod
    def record(cls, draw: Draw, shape: tuple[int, ...]) -> Stamp:
        """`draw` (which draws on the image it is given, in place) as a stamp for images
        of `shape`. It must draw the same whatever is under it, apart from blending."""
        over_black = np.zeros(shape, np.uint8)
        over_white = np.full(shape, 255, np.uint8)
        draw(over_black)
        draw(over_white)
        touched = (over_black != 0).any(axis=2) | (over_white != 255).any(axis=2)
        rows, cols = np.flatnonzero(touched.any(axis=1)), np.flatnonzero(touched.any(axis=0))
        if rows.size == 0:
            empty = np.zeros((0, 0, 3), np.uint8)
            return cls(0, 0, empty, empty)
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        add = over_black[y0:y1, x0:x1].copy()
        keep = cv2.subtract(over_white[y0:y1, x0:x1], add)
        return cls(int(x0), int(y0), keep, add)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Lay the stamp on `image` in place (an image of the recorded shape)."""
        h, w = self.add.shape[:2]
        if h and w:
            region = image[self.y0:self.y0 + h, self.x0:self.x0 + w]
            cv2.multiply(region, self.keep, dst=region, scale=1.0 / 255.0)
            cv2.add(region, self.add, dst=region)
        return image


class StampCache:
    """The last few stamps of one annotator, by what they show and the image shape."""

    def __init__(self, size: int = 8):
        self.size = size
        self._stamps: OrderedDict[Hashable, Stamp] = OrderedDict()
        self.recorded = 0  # how many drawings were recorded (the rest were reused)

    def apply(self, image: np.ndarray, key: Hashable, draw: Draw) -> np.ndarray:
        """Lay on `image` the stamp of `draw`, recording it the first time `key` is seen
        for this image shape. `key` must name everything the drawing depends on."""
        full_key = (key, image.shape)
        stamp = self._stamps.get(full_key)
        if stamp is None:
            stamp = Stamp.record(draw, image.shape)
            self.recorded += 1
            self._stamps[full_key] = stamp
            if len(self._stamps) > self.size:
                self._stamps.popitem(last=False)
        else:
            self._stamps.move_to_end(full_key)
        return stamp.apply(image)
