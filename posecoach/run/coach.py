"""Live coaching's per-frame work, without threads, windows or clocks.

    coach = LiveCoach(estimator, "auto")
    record = coach.process(frame)        # pose -> metrics -> session -> FrameRecord
    coach.toggle_pause(frame.time_s)     # the user's commands
    coach.select_exercise(+1)
    coach.switch_side()

Pausing freezes the session: while paused it is not updated, and afterwards it is fed
times with the paused span taken out, so a pause is never credited as hold time. The pose
and metrics keep running so the picture stays live.

With exercise "auto" the exercise is recognised from the last few seconds of metrics
(posecoach.exercises.recognize) and the session starts once one is found.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from posecoach.exercises import ExerciseSpec, Session, SessionState, load_all, load_exercise
from posecoach.exercises import recognize as recognize_exercise
from posecoach.landmarks import Side
from posecoach.measure.stream import MetricsTracker
from posecoach.pose.estimation import PoseEstimator
from posecoach.results.summary import ClipStats
from posecoach.run.stages import FrameStages
from posecoach.schema import SessionResult
from posecoach.types import Frame, FrameMetrics, FrameRecord

AUTO = "auto"
# Recognition looks at this many recent frames, once at least MIN are posed, every STEP.
RECOGNIZE_WINDOW = 90
RECOGNIZE_MIN_FRAMES = 30
RECOGNIZE_EVERY = 10
PAUSED_NOTICE = "Paused - press space to go on"
RECOGNIZING_TITLE = "Recognising the exercise..."


class LiveCoach:
    """Runs the stages for one live stream and keeps the sessions it coached.

    specs: the exercises n/p step through (default: every file in content/).
    """

    def __init__(
        self,
        estimator: PoseEstimator,
        exercise: str = AUTO,
        specs: dict[str, ExerciseSpec] | None = None,
    ):
        self.estimator = estimator
        self.specs = dict(specs) if specs is not None else load_all()
        self.auto = exercise == AUTO
        spec = None if self.auto else load_exercise(exercise)
        if spec is not None:
            self.specs.setdefault(spec.id, spec)
        self.stages = FrameStages(spec)
        self.earlier: list[dict[str, Any]] = []  # summaries of sessions left with n/p
        self.paused = False
        self._pause_start = 0.0
        self._paused_total = 0.0
        self._recent: deque[FrameMetrics] = deque(maxlen=RECOGNIZE_WINDOW)
        self._last_metrics: FrameMetrics | None = None

    @property
    def spec(self) -> ExerciseSpec | None:
        return self.stages.spec

    @property
    def session(self) -> Session | None:
        return self.stages.session

    @property
    def state(self) -> SessionState | None:
        return self.stages.state

    @property
    def tracker(self) -> MetricsTracker:
        return self.stages.tracker

    @property
    def stats(self) -> ClipStats:
        return self.stages.stats

    # ------------------------------------------------------------------ per frame

    def process(self, frame: Frame) -> FrameRecord:
        pose = self.estimator.estimate(frame)
        metrics = self.tracker.update(pose, frame.time_s)
        self._last_metrics = metrics
        if self.session is None and self.auto and not self.paused:
            self._try_recognize(metrics)
        return self.stages.record(
            frame, pose, metrics, session_time=frame.time_s - self._paused_total,
            step_session=not self.paused,
        )

    def _try_recognize(self, metrics: FrameMetrics) -> None:
        self._recent.append(metrics)
        posed = sum(m.pose_detected for m in self._recent)
        if posed < RECOGNIZE_MIN_FRAMES or len(self._recent) % RECOGNIZE_EVERY:
            return
        found = recognize_exercise(list(self._recent))
        if found.exercise_id is not None and found.exercise_id in self.specs:
            self._start(self.specs[found.exercise_id])

    def _start(self, spec: ExerciseSpec) -> None:
        self.stages.start(spec)
        # The session clock starts at its first frame, so earlier pauses no longer matter.
        self._paused_total = 0.0

    # ------------------------------------------------------------------ commands

    def toggle_pause(self, time_s: float) -> None:
        if self.paused:
            self._paused_total += max(0.0, time_s - self._pause_start)
        else:
            self._pause_start = time_s
        self.paused = not self.paused

    def select_exercise(self, step: int) -> None:
        """Move to the next (+1) or previous (-1) exercise; the current one is finished."""
        ids = sorted(self.specs)
        if self.spec is not None and self.spec.id in ids:
            index = (ids.index(self.spec.id) + step) % len(ids)
        else:
            index = 0 if step > 0 else len(ids) - 1
        self._finish_current()
        self.auto = False
        self._start(self.specs[ids[index]])

    def switch_side(self) -> None:
        """Work the other leg: fixes the working side for the metrics (and so the session)."""
        current = None
        if self.state is not None and self.state.side is not None:
            current = self.state.side
        elif self._last_metrics is not None:
            current = self._last_metrics.side
        self.tracker.set_side(current.other if current is not None else Side.LEFT)

    # ------------------------------------------------------------------ display and end

    @property
    def title(self) -> str | None:
        if self.spec is not None:
            return self.spec.name
        return RECOGNIZING_TITLE if self.auto else None

    @property
    def notice(self) -> str | None:
        return PAUSED_NOTICE if self.paused else None

    def _finish_current(self) -> None:
        finished = self.stages.finish()
        if finished is not None:
            self.earlier.append(finished.to_json())
        self.stages.session = None

    def finish(self) -> SessionResult | None:
        """The results of the current session (None when none ran); safe to call twice."""
        return self.stages.finish()
