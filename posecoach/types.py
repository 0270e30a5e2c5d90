"""The data that flows between stages. Nothing here knows about mediapipe.

Shapes use N = 33 landmarks (see `posecoach.landmarks.Landmark`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, Landmark, Side
from posecoach.registry import METRIC_NAMES  # noqa: F401  (re-exported: the metric names)


class _Named(str, Enum):
    """A string enum that prints as its value (CSV cells, JSON, f-strings)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Phase(_Named):
    """Where a session is (see posecoach.exercises.session for what each means)."""

    GET_READY = "get_ready"
    POSITION = "position"
    HOLD = "hold"
    CONTRACT = "contract"
    RELAX = "relax"
    FAULT = "fault"
    REST = "rest"
    SWITCH_SIDES = "switch_sides"
    DONE = "done"


# Phases whose seconds are credited (the hold timer runs).
TIMED_PHASES: tuple[Phase, ...] = (Phase.HOLD, Phase.CONTRACT, Phase.RELAX)
# Phases in which the person is in the stretch (angle statistics come from these).
STRETCH_PHASES: tuple[Phase, ...] = (*TIMED_PHASES, Phase.FAULT)


class Severity(_Named):
    """How a cue weighs: a FAULT pauses the hold timer, a HINT is advice, GOOD praise."""

    FAULT = "fault"
    HINT = "hint"
    GOOD = "good"


@dataclass(frozen=True)
class Frame:
    """One decoded image and when it was taken.

    index: 0-based position in the source.
    time_s: seconds since the start of the source (container timestamps for files,
        a monotonic clock for cameras). Never derived from a rounded fps.
    image: BGR uint8 array of shape (H, W, 3), already rotated upright, and possibly
        scaled down once from the picture (a 4K clip is analysed at a working size).
    source_size: (width, height) of the upright picture before that scaling, None when
        `image` is the picture itself. Poses are in the picture's pixels (`picture_size`).
    """

    index: int
    time_s: float
    image: np.ndarray
    source_size: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of `image` in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])

    @property
    def picture_size(self) -> tuple[int, int]:
        """(width, height) of the picture the frame shows, before any scaling."""
        return self.source_size if self.source_size is not None else self.size


@dataclass(frozen=True)
class Pose:
    """One person's pose in one frame.

    xy: (N, 2) float, pixel coordinates (x right, y down) in the upright image.
    z: (N,) float, relative depth in the model's scale (smaller = nearer the camera),
        roughly in the same units as normalised x.
    visibility: (N,) float in [0, 1], likelihood the landmark is visible (not occluded).
    presence: (N,) float in [0, 1], likelihood the landmark is inside the image.
    world: (N, 3) float, metres, origin between the hips (MediaPipe world landmarks),
        or None when the estimator does not give them.
    mask: (H, W) float32 in [0, 1] person segmentation, or None.
    image_size: (width, height) of the image the pixels refer to.

    Landmarks that the estimator did not give are NaN, never zero.
    """

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    image_size: tuple[int, int]
    world: np.ndarray | None = None
    mask: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = NUM_LANDMARKS
        _check_shape("xy", self.xy, (n, 2))
        _check_shape("z", self.z, (n,))
        _check_shape("visibility", self.visibility, (n,))
        _check_shape("presence", self.presence, (n,))
        if self.world is not None:
            _check_shape("world", self.world, (n, 3))
        if self.mask is not None and self.mask.ndim != 2:
            raise ValueError(f"mask must be 2-D (H, W), got shape {self.mask.shape}")

    @property
    def normalized(self) -> np.ndarray:
        """(N, 2) coordinates divided by the image width and height."""
        w, h = self.image_size
        return self.xy / np.array([w, h], dtype=float)

    def point(self, landmark: Landmark) -> np.ndarray:
        """Pixel position (2,) of one landmark."""
        return self.xy[int(landmark)]

    def is_visible(self, landmark: Landmark, threshold: float = 0.5) -> bool:
        i = int(landmark)
        return bool(np.all(np.isfinite(self.xy[i])) and self.visibility[i] >= threshold)

    @classmethod
    def from_pixels(
        cls,
        xy: np.ndarray,
        image_size: tuple[int, int],
        visibility: np.ndarray | None = None,
        z: np.ndarray | None = None,
    ) -> Pose:
        """Build a pose from pixel positions (for tests and replays). NaN rows are missing."""
        xy = np.asarray(xy, dtype=float)
        missing = ~np.all(np.isfinite(xy), axis=1)
        vis = np.ones(NUM_LANDMARKS) if visibility is None else np.asarray(visibility, float)
        vis = np.where(missing, 0.0, vis)
        zz = np.zeros(NUM_LANDMARKS) if z is None else np.asarray(z, float)
        return cls(xy=xy, z=zz, visibility=vis, presence=vis.copy(), image_size=image_size)


def _check_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    if not isinstance(array, np.ndarray) or array.shape != shape:
        got = getattr(array, "shape", type(array).__name__)
        raise ValueError(f"{name} must have shape {shape}, got {got}")




@dataclass(frozen=True)
class HipGeometry:
    """Where the hip angle was measured, in image pixels, so the overlay draws the lines
    the number came from (the calibrated joints and the thigh axis actually used).

    hip: (2,) the working hip joint centre. trunk_dir: (2,) unit, the trunk line carried on
    past the hip (mid-shoulder towards mid-hip). thigh_dir: (2,) unit, hip towards knee.
    """

    hip: np.ndarray
    trunk_dir: np.ndarray
    thigh_dir: np.ndarray

    def mirrored(self, width: int) -> HipGeometry:
        """The same geometry in the horizontally flipped image (x -> width - x)."""
        flip = np.array([-1.0, 1.0])
        hip = np.array([width - self.hip[0], self.hip[1]])
        return HipGeometry(hip, self.trunk_dir * flip, self.thigh_dir * flip)


@dataclass(frozen=True)
class FrameMetrics:
    """Everything the exercise logic needs to know about one frame, in numbers.

    values: metric name (see METRIC_NAMES) -> degrees; NaN when not measurable.
    confidence: metric name -> [0, 1]; 0 when the value is NaN.
    side: the working leg (person's own), or None when not yet known.
    facing: +1 when the person faces image-right, -1 image-left, 0 unknown.
    view_ok: camera close enough to side-on and the needed joints in frame.
    view_angle_deg: estimated angle of the camera away from a pure side view
        (0 = side-on, 90 = facing the camera); NaN when unknown.
    view_yaw_deg: the same with the way the body is turned: + chest towards the camera,
        - back towards it; NaN when unknown.
    near_side: the body side nearer the camera, or None.
    posture: coarse body position: "kneeling", "standing", "supine", "prone",
        "reclined", "unknown".
    orientation_ok: True when the pose is possible in a picture the right way up, False
        when gravity says the picture is turned (posecoach.measure.orientation), None when
        not checked (no pose, no trunk). Recognition counts only True frames.
    motion: how fast the body moves, in body heights per second (for stillness).
    hip_geometry: the joints the hip angle was measured with, or None.
    """

    time_s: float
    pose_detected: bool
    side: Side | None = None
    facing: int = 0
    view_ok: bool = False
    view_angle_deg: float = float("nan")
    view_yaw_deg: float = float("nan")
    near_side: Side | None = None
    posture: str = "unknown"
    orientation_ok: bool | None = None
    motion: float = float("nan")
    values: dict[str, float] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    hip_geometry: HipGeometry | None = field(default=None, repr=False)

    def get(self, name: str) -> float:
        """The value of metric `name`, NaN when absent."""
        return float(self.values.get(name, float("nan")))


@dataclass(frozen=True)
class Cue:
    """A message for the screen. severity: FAULT (timer paused), HINT (advice only),
    GOOD (encouragement). priority: 1 is the most important (0 for engine messages such
    as "cannot see you")."""

    id: str
    text: str
    severity: Severity
    priority: int



@dataclass(frozen=True)
class SessionState:
    """What the overlay and the records need about one frame.

    hold_s: credited good-form seconds of the current timed phase (hold, contract or
    relax; paused in fault), capped at hold_target_s. seconds_left: countdown of the
    current phase (get_ready, rest, switch_sides) or seconds still to credit (timed phases
    and fault); None in position and done. rep: 0-based index of the current (or next)
    hold on `side`; reps_done: completed holds per side (key None for "both" exercises).
    cycle: 1-based contract-relax cycle, None outside contract / relax.
    cues: on-screen messages, most important first. events: what happened on this frame.
    """

    time_s: float
    phase: Phase
    paused_phase: Phase | None
    side: Side | None
    rep: int
    reps_target: int
    reps_done: dict[Side | None, int]
    hold_s: float
    hold_target_s: float
    seconds_left: float | None
    cycle: int | None
    cycles_target: int
    in_position: bool
    good_form: bool
    cues: tuple[Cue, ...]
    events: tuple[str, ...]
    prompt: str
    camera_blind: bool
    camera_note: str
    last_gain_deg: float | None = None

    @property
    def cue_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.cues)


@dataclass(frozen=True)
class FrameRecord:
    """Everything known about one frame after all stages: one record, not parallel lists.

    pose: the tracked person's pose, or None when nobody was detected.
    metrics: the measured quantities (None until the metrics stage has run).
    state: the exercise session state, or None when no session runs.
    setup_message: what to tell the person to make the camera view usable, or None.
    """

    index: int
    time_s: float
    pose: Pose | None
    metrics: FrameMetrics | None = None
    state: SessionState | None = None
    setup_message: str | None = None
