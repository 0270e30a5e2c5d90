"""Which side is being worked and how many holds are done (top-left panel)."""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import Side
from posecoach.render.stamp import StampCache
from posecoach.render.style import (
    DARK,
    HIGHLIGHT,
    WHITE,
    Color,
    TextStyle,
    fill_rect,
    put_text,
    text_size,
    unit,
)

HEADING_TEXT = TextStyle(30.0, 3.0)
BODY_TEXT = TextStyle(22.0, 2.0)

SIDE_NAMES = {Side.LEFT: "LEFT LEG", Side.RIGHT: "RIGHT LEG"}


def counter_lines(state, title: str | None = None) -> list[str]:
    """The panel's lines, top to bottom (pure: also used by tests)."""
    lines = [title] if title else []
    if state is None:
        return lines
    if state.side is not None:
        lines.append(SIDE_NAMES[state.side])
    elif None not in state.reps_done:
        lines.append("SIDE: not yet known")
    lines.append(f"Hold {min(state.rep + 1, state.reps_target)} of {state.reps_target}")
    if state.cycle is not None and state.cycles_target:
        lines.append(f"Cycle {state.cycle} of {state.cycles_target}")
    per_side = [f"{s.value} {n}/{state.reps_target}" for s, n in state.reps_done.items() if s]
    if per_side:
        lines.append("Done: " + "   ".join(per_side))
    return lines


class CountersAnnotator:
    """Side, current hold and holds done per side, in a dark panel at the top left.

    `title` (e.g. the exercise name) is passed as a keyword when there is one.
    """

    def __init__(
        self,
        heading: TextStyle = HEADING_TEXT,
        body: TextStyle = BODY_TEXT,
        margin: float = 20.0,
        panel: Color = DARK,
        alpha: float = 0.6,
    ):
        self.heading, self.body = heading, body
        self.margin, self.panel, self.alpha = margin, panel, alpha
        self._stamps = StampCache()

    def annotate(self, image: np.ndarray, state, title: str | None = None) -> np.ndarray:
        lines = tuple(counter_lines(state, title))
        if not lines:
            return image
        # The panel changes a few times a session: drawn once per text, then stamped.
        return self._stamps.apply(image, lines, lambda canvas: self._draw(canvas, lines))

    def _draw(self, image: np.ndarray, lines: tuple[str, ...]) -> None:
        u = unit(image)
        styles = [self.heading if line in SIDE_NAMES.values() else self.body for line in lines]
        sizes = [
            text_size(line, s.cv_scale(u), s.cv_thickness(u))
            for line, s in zip(lines, styles, strict=True)
        ]
        pad, gap = 14 * u, 14 * u
        width = max(w for w, _, _ in sizes) + 2 * pad
        height = sum(h for _, h, _ in sizes) + gap * (len(lines) - 1) + 2 * pad
        x0 = y0 = self.margin * u
        fill_rect(image, (x0, y0), (x0 + width, y0 + height), self.panel, self.alpha)
        y = y0 + pad
        for line, style, (_, h, _) in zip(lines, styles, sizes, strict=True):
            y += h
            color = HIGHLIGHT if line in SIDE_NAMES.values() else WHITE
            put_text(image, line, (x0 + pad, y), style.cv_scale(u), color, style.cv_thickness(u))
            y += gap
