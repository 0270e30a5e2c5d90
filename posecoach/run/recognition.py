"""`--exercise auto` decided on the analysis' own poses, with no prescan before it.

The analysis starts on the first frame with the exercise not yet known. `ExerciseWatch`
samples the poses that pass by the way the orientation check does (one about every
`step_s` over the first `seconds`, posecoach.run.orientation) and decides which way up
the picture is and which exercise it shows with `choose_turn` and `recognize`, the same
decision a separate pass over the clip would make, but on poses the analysis has already
paid for. Until it decides, the writer measures each frame and holds its record back
(posecoach.run.offline.ClipStages); the session, frames.csv and the overlay then run over
the held frames in order, so every frame is coached as if the exercise had been known
from the start.

It decides early when the evidence is already plain, to keep the held frames few: at
least `EARLY_MIN_SAMPLES` sampled poses, upright as decoded (no turn), with one exercise
matching `EARLY_SHARE` of them and `EARLY_RECENT_SHARE` of the latest `EARLY_RECENT` (the
person is doing it now, not merely passing through its position while setting up; the
supine exercises look alike while the legs are being placed). Otherwise it
decides when the window closes or the clip ends, on everything sampled.

Before that it may guess, once: as soon as the latest `GUESS_SAMPLES` sampled poses,
upright, match one exercise in `EARLY_RECENT_SHARE` of them (a person already in
position, about two seconds in). The writer coaches the guess at once, so the frames
held back are few and the overlay and encoder keep pace with the model instead of
catching up in a burst later; it keeps each frame's measurements, and the decision
either confirms the guess or has every frame since the first coached again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from posecoach.exercises import ExerciseSpec, Recognition, load_exercise, recognize
from posecoach.measure.stream import MetricsTracker
from posecoach.pose.sources import Sampling
from posecoach.run.orientation import OrientationCheck, Sample, choose_turn, without_mask
from posecoach.types import FrameMetrics, Pose

EARLY_MIN_SAMPLES = 30
EARLY_RECENT = 15
EARLY_SHARE = 0.7
EARLY_RECENT_SHARE = 0.8
GUESS_SAMPLES = 6


@dataclass(frozen=True)
class Recognised:
    """What the watch decided, at `time_s` into the clip.

    spec: the exercise recognised, None when none matched well enough.
    found: what recognition saw, for summary.json.
    orientation: the orientation check behind it (turn_deg: the turn the picture needs).
    guess: a provisional answer (module docstring) that the decision confirms or replaces.
    """

    spec: ExerciseSpec | None
    found: dict[str, Any]
    orientation: OrientationCheck
    time_s: float
    early: bool
    guess: bool = False

    def confirms(self, guess: Recognised) -> bool:
        """This decision coaches what `guess` coached: the same exercise, no turn."""
        same = (self.spec.id if self.spec else None) == (guess.spec.id if guess.spec else None)
        return same and self.orientation.turn_deg == guess.orientation.turn_deg


def recognition_found(recognition: Recognition, samples: int, time_s: float,
                      early: bool) -> dict[str, Any]:
    """The `recognition` block of summary.json."""
    return {
        "exercise_id": recognition.exercise_id,
        "share": round(recognition.share, 3),
        "shares": {k: round(v, 3) for k, v in recognition.shares.items()},
        "alternatives": list(recognition.alternatives),
        "sampled_frames": samples,
        "decided_at_s": round(time_s, 3),
        "decided_early": early,
    }


class ExerciseWatch:
    """Recognition on frames that pass by anyway (module docstring). `add` every frame's
    pose in order; it returns the decision once, on the frame that made it, and before
    that at most one guess (Recognised.guess)."""

    def __init__(self, seconds: float, step_s: float):
        self._sampling = Sampling(step_s, seconds)
        self._samples: list[Sample] = []
        self._upright = MetricsTracker()  # the samples measured as decoded (no turn)
        self._upright_metrics: list[FrameMetrics] = []
        self._last_s = 0.0
        self.decided: Recognised | None = None
        self.guessed: Recognised | None = None
        self._may_guess = True

    def add(self, time_s: float, pose: Pose | None) -> Recognised | None:
        if self.decided is not None:
            return None
        self._last_s = time_s
        if self._sampling.past(time_s):
            return self.finish()
        if not self._sampling.take(time_s):
            return None
        pose = without_mask(pose)
        self._samples.append((time_s, pose))
        self._upright_metrics.append(self._upright.update(pose, time_s))
        check = self._plain_enough()
        return self._decide(check, early=True) if check is not None else self._guess()

    def finish(self) -> Recognised:
        """The decision on what was sampled (the window closed or the clip ended)."""
        if self.decided is None:
            self._decide(choose_turn(self._samples), early=False)
        return self.decided

    def _plain_enough(self) -> OrientationCheck | None:
        posed = [m for m in self._upright_metrics if m.pose_detected]
        if len(posed) < EARLY_MIN_SAMPLES:
            return None
        overall = recognize(posed)
        if overall.exercise_id is None or overall.share < EARLY_SHARE:
            return None
        recent = recognize(posed[-EARLY_RECENT:])
        if recent.exercise_id != overall.exercise_id or recent.share < EARLY_RECENT_SHARE:
            return None
        check = choose_turn(self._samples)
        return check if check.turn_deg == 0 else None

    def _guess(self) -> Recognised | None:
        if not self._may_guess:
            return None
        posed = [m for m in self._upright_metrics[-GUESS_SAMPLES:] if m.pose_detected]
        if len(posed) < GUESS_SAMPLES:
            return None
        recent = recognize(posed)
        if recent.exercise_id is None or recent.share < EARLY_RECENT_SHARE:
            return None
        check = choose_turn(self._samples)
        self._may_guess = False  # once: a turned picture waits for the decision
        if check.turn_deg != 0:
            return None
        found = recognition_found(recent, len(self._samples), self._last_s, early=True)
        self.guessed = Recognised(load_exercise(recent.exercise_id), found, check,
                                  self._last_s, early=True, guess=True)
        return self.guessed

    def _decide(self, check: OrientationCheck, early: bool) -> Recognised:
        recognition = recognize(check.metrics)
        spec = load_exercise(recognition.exercise_id) if recognition.exercise_id else None
        found = recognition_found(recognition, len(self._samples), self._last_s, early)
        self.decided = Recognised(spec, found, check, self._last_s, early)
        return self.decided
