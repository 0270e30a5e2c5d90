"""The whole overlay, composed from the annotators, shared by live mode and the offline
annotated video.

    overlay = Overlay(mirror=True)
    shown = overlay.annotate(frame.image, record, fps=fps, latency_ms=latency)

The input image is not modified. With mirror=True the picture and the pose are flipped
first and everything is drawn afterwards, so text reads normally in a selfie view. With
`size` (a window's width and height) the picture is first fitted to that size and the
overlay drawn at it, once, at the size it is seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posecoach.render.angle import HipAngleAnnotator
from posecoach.render.banner import CueBannerAnnotator, MessageAnnotator, SafetyAnnotator
from posecoach.render.counters import CountersAnnotator
from posecoach.render.fps import FpsAnnotator
from posecoach.render.mirror import mirror_image, mirror_record
from posecoach.render.scale import fit_to
from posecoach.render.skeleton import SkeletonAnnotator
from posecoach.render.style import DARK, WHITE
from posecoach.render.timer import CountdownAnnotator, HoldTimerAnnotator
from posecoach.types import FrameRecord

SAFETY_LINES = (
    "Stretch gently: a mild pull, never sharp pain.",
    "Stop and see a professional if pain shoots down the leg, a knee gives way, or it gets worse.",
)
# Safety text is shown while getting ready and once the session is done.
SAFETY_PHASES = ("get_ready", "done")


class Overlay:
    """Skeleton, hip angle arc, hold timer, countdown, counters, cue banner, set-up
    guidance, safety note and frame rate, drawn in that order (later ones on top).

    mirror: flip picture and pose (selfie view); text is still drawn unmirrored.
    safety_lines: shown during get_ready and done; () to hide.
    show_fps: draw the frame-rate readout when a rate is given.
    """

    def __init__(
        self,
        mirror: bool = False,
        safety_lines: Sequence[str] = SAFETY_LINES,
        show_fps: bool = True,
    ):
        self.mirror = mirror
        self.safety_lines = tuple(safety_lines)
        self.show_fps = show_fps
        self.skeleton = SkeletonAnnotator()
        self.angle = HipAngleAnnotator()
        self.timer = HoldTimerAnnotator()
        self.countdown = CountdownAnnotator()
        self.counters = CountersAnnotator()
        self.banner = CueBannerAnnotator()
        self.guidance = MessageAnnotator()
        self.notice = MessageAnnotator(fill=DARK, text_color=WHITE, y_fraction=0.62)
        self.safety = SafetyAnnotator()
        self.fps = FpsAnnotator()

    def annotate(
        self,
        image: np.ndarray,
        record: FrameRecord,
        fps: float | None = None,
        *,
        latency_ms: float | None = None,
        title: str | None = None,
        notice: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """A new image: `image` (BGR, as captured) with the record drawn on it.

        title: a heading for the counters panel (e.g. the exercise name).
        notice: a one-line message in the middle (e.g. "Paused - press space").
        size: (width, height) to draw at: the picture fitted inside, shape kept.
        """
        fitted, record = fit_to(image, record, size)
        canvas = mirror_image(fitted) if self.mirror else (
            fitted.copy() if fitted is image else fitted)
        if self.mirror and record.pose is not None:
            record = mirror_record(record)
        state = record.state
        self.skeleton.annotate(canvas, record)
        self.angle.annotate(canvas, record)
        self.timer.annotate(canvas, state)
        self.countdown.annotate(canvas, state)
        self.counters.annotate(canvas, state, title=title)
        self.banner.annotate(canvas, state)
        self.guidance.annotate(canvas, record.setup_message)
        if state is not None and state.phase in SAFETY_PHASES:
            self.safety.annotate(canvas, self.safety_lines)
        self.notice.annotate(canvas, notice)
        if self.show_fps:  # left of the timer ring, never touching it
            self.fps.annotate(canvas, fps, latency_ms, right=self.timer.bounds(canvas)[0])
        return canvas
