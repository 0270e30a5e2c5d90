"""Which way up is the clip? Decided from a sample of its poses.

`OrientationWatch` samples the analysis' own poses (one about every `step_s` over the
first `seconds`); `choose_turn` then asks, for each quarter turn of the picture, how
much of the sample is a known exercise done the right way up: the poses are turned
(posecoach.measure.orientation.turn_pose), measured by a fresh MetricsTracker and
recognised, and only frames that pass the gravity checks vote. The decision:

0. with the exercise given, the turn under which the sample shows it most (at least
   `MIN_SHARE`) wins, the picture as it is first among equals;
1. otherwise a picture as decoded in which the body is possible the right way up
   (`possible_upright`: no trunk pointing down, no knee through the floor) in at least
   `KEEP_SHARE` of the checked frames is kept. Almost every clip is decoded upright, and
   the skeleton alone cannot tell some turns apart: a kneeling body turned a quarter
   turn one way looks like one lying on its back on a bench, and a bench body turned
   looks like one kneeling. Over a rendered corpus of varied cameras the finer floor
   check (below) turned about one upright clip in five, so it is only asked of
   pictures already in doubt;
2. in doubt, a turn under which the body kneels on a floor in at least `MIN_SHARE` of the
   frames wins (the front foot level with the kneeling knee, the front shank steep);
3. otherwise the turn with the largest recognised share wins, if it reaches `MIN_SHARE`
   and explains at least `TURN_MARGIN` more of the sample than the picture as it is.

No pass over the clip runs before the analysis: it starts on the first frame, and only
in the rare clip the check finds turned does it start again, turned (with `--exercise
auto` the same sample also recognises the exercise, posecoach.run.recognition).

The frames of the analysis are then turned before the model (posecoach.pose.sources),
so landmarks, overlay and video are upright, as with honoured rotation metadata. The
model finds a turned body about as well as an upright one (mean landmark visibility on
the kneeling sample 0.72-0.73 in all four turns), so turning is for the outputs, not for
the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from posecoach.exercises import Recognition, recognize
from posecoach.exercises.recognize import LOOKALIKES
from posecoach.measure.orientation import TURNS_DEG, kneels_on_floor, turn_pose
from posecoach.measure.stream import MetricsTracker, kneeling_side
from posecoach.pose.sources import Sampling
from posecoach.types import FrameMetrics, Pose

MIN_SHARE = 0.3
TURN_MARGIN = 0.2
KEEP_SHARE = 0.5
# A picture kept as it is whose frames fail the gravity checks this often is reported.
DOUBTFUL_SHARE = 0.5
# ... once at least this many frames were checked: a back-on turn can leave one pose in a
# short clip's sample, and one odd pose is not worth a warning.
DOUBTFUL_MIN_FRAMES = 3

Sample = tuple[float, Pose | None]  # (time_s, the pose found in the frame as decoded)


@dataclass(frozen=True)
class OrientationCheck:
    """What the probe found.

    turn_deg: clockwise quarter turn to apply to the frames (0: the picture as it is).
    frames: probe frames whose orientation could be checked (a pose with a trunk).
    upright_share: of those, the share that passed the gravity checks as decoded.
    shares: per turn, the share recognised as an exercise.
    metrics: the probe's metrics under the chosen turn (for recognition).
    """

    turn_deg: int
    frames: int
    upright_share: float
    shares: dict[int, float]
    metrics: list[FrameMetrics] = field(default_factory=list, repr=False)

    @property
    def doubtful(self) -> bool:
        """Kept as it is although most frames look turned (no turn explains the clip)."""
        return (self.turn_deg == 0 and self.frames >= DOUBTFUL_MIN_FRAMES
                and self.upright_share < DOUBTFUL_SHARE)

    def summary(self) -> dict:
        """For summary.json."""
        return {
            "turned_deg": self.turn_deg,
            "checked_frames": self.frames,
            "upright_share": round(self.upright_share, 3),
            "doubtful": self.doubtful,
        }

    def note(self, name: str) -> str | None:
        """One line for the user when the picture was turned or looks turned, else None."""
        if self.turn_deg == 180:
            return (f"{name}: the body is upside down in the picture (rotation metadata "
                    "missing?); frames turned 180 degrees before the analysis")
        if self.turn_deg in (90, 270):
            way = "clockwise" if self.turn_deg == 90 else "counter-clockwise"
            return (f"{name}: the body lies sideways in the picture (phone held sideways?); "
                    f"frames turned 90 degrees {way} before the analysis")
        if self.doubtful:
            return (f"{name}: in {1 - self.upright_share:.0%} of the checked frames the body "
                    "looks upside down or sideways and no quarter turn shows a known "
                    "exercise; measurements may be meaningless")
        return None


def without_mask(pose: Pose | None) -> Pose | None:
    """The pose without its segmentation mask: a frame's mask is megabytes, and the
    orientation and recognition checks read the landmarks only (the probe asks the model
    for no mask at all)."""
    if pose is None or pose.mask is None:
        return pose
    return dataclasses.replace(pose, mask=None)


def turned_metrics(samples: Sequence[Sample], turn_deg: int) -> list[FrameMetrics]:
    """The samples' metrics with every pose turned `turn_deg` clockwise."""
    return _measured(_turned(samples, turn_deg))


def _turned(samples: Sequence[Sample], turn_deg: int) -> list[Sample]:
    return [(t, turn_pose(pose, turn_deg) if pose is not None else None) for t, pose in samples]


def _measured(samples: Sequence[Sample]) -> list[FrameMetrics]:
    tracker = MetricsTracker()
    return [tracker.update(pose, time_s) for time_s, pose in samples]


def _kneeling_on_floor(samples: Sequence[Sample], metrics: Sequence[FrameMetrics],
                       posed: int) -> float:
    kneeling = sum(
        m.posture == "kneeling" and m.orientation_ok is True
        and kneels_on_floor(pose, kneeling_side(pose))
        for (_, pose), m in zip(samples, metrics, strict=True) if pose is not None
    )
    return kneeling / posed if posed else 0.0


def _signature_of(exercise_id: str) -> str:
    """The recognised id that stands for `exercise_id` (the contract-relax variant is
    recognised as the plain stretch)."""
    for signature, lookalikes in LOOKALIKES.items():
        if exercise_id in lookalikes:
            return signature
    return exercise_id


def _share_ok(metrics: Sequence[FrameMetrics]) -> tuple[int, float]:
    checked = [m.orientation_ok for m in metrics if m.orientation_ok is not None]
    return len(checked), (sum(checked) / len(checked) if checked else 0.0)


def choose_turn(samples: Sequence[Sample], exercise_id: str | None = None) -> OrientationCheck:
    """The quarter turn that shows the sampled body the right way up (module docstring).
    exercise_id: the exercise the user said the clip shows, if any."""
    posed = sum(pose is not None for _, pose in samples)
    turned = {turn: _turned(samples, turn) for turn in TURNS_DEG}
    by_turn = {turn: _measured(turned[turn]) for turn in TURNS_DEG}
    found: dict[int, Recognition] = {turn: recognize(m) for turn, m in by_turn.items()}
    shares = {turn: r.share if r.exercise_id else 0.0 for turn, r in found.items()}
    frames, upright_share = _share_ok(by_turn[0])
    turn = None
    if exercise_id is not None:
        wanted = _signature_of(exercise_id)
        given = {t: found[t].shares.get(wanted, 0.0) for t in TURNS_DEG}
        best = max(TURNS_DEG, key=lambda t: given[t])  # the first of equals: 0 first
        turn = best if given[best] >= MIN_SHARE else None
    if turn is None and frames and upright_share >= KEEP_SHARE:
        turn = 0
    if turn is None:
        kneeling = {t: _kneeling_on_floor(turned[t], by_turn[t], posed) for t in TURNS_DEG}
        turn = max(TURNS_DEG, key=lambda t: kneeling[t])  # the first of equals: 0 first
        if kneeling[turn] < MIN_SHARE:
            best = max(TURNS_DEG, key=lambda t: shares[t])
            enough = shares[best] >= MIN_SHARE and shares[best] >= shares[0] + TURN_MARGIN
            turn = best if enough else 0
    return OrientationCheck(
        turn_deg=turn,
        frames=frames,
        upright_share=upright_share,
        shares=shares,
        metrics=by_turn[turn],
    )


class OrientationWatch:
    """The orientation check on frames that pass by anyway (the analysis' own): the poses
    of frames `step_s` apart over the first `seconds` (pose.sources.Sampling), judged by
    `choose_turn` once a frame past the window arrives or the clip ends."""

    def __init__(self, seconds: float, step_s: float, exercise_id: str | None = None):
        self._sampling = Sampling(step_s, seconds)
        self._exercise_id = exercise_id
        self._samples: list[Sample] = []
        self.check: OrientationCheck | None = None

    def add(self, time_s: float, pose: Pose | None) -> OrientationCheck | None:
        """The check when this frame closes the window (once), else None."""
        if self.check is not None:
            return None
        if self._sampling.past(time_s):
            return self.finish()
        if self._sampling.take(time_s):
            self._samples.append((time_s, without_mask(pose)))
        return None

    def finish(self) -> OrientationCheck:
        """The check of what was sampled (the window closed or the clip ended)."""
        if self.check is None:
            self.check = choose_turn(self._samples, self._exercise_id)
        return self.check
