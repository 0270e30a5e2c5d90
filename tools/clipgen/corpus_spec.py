"""What the accuracy corpus contains: every clip's body, camera, clothing, hands, room,
lights and scripted timeline, drawn from one seed. Pure Python and numpy: no torch, anny
or OpenGL, so the sampling can be tested (and the corpus planned) without the synth extra.

Method and why:

- Bodies: `N_BODIES` anny phenotypes by Latin hypercube sampling (each Shape field's range
  cut into N equal strata, one body per stratum, strata paired at random per field), so a
  few dozen bodies still cover every field's whole range evenly instead of clustering.
  Ranges: gender, muscle, weight and proportions over anny's whole 0-1; age over the adult
  part of anny's age axis (AGE_RANGE: anny's "young" blend shape at 0.667 to "old" at 1;
  its growth calibration puts 18 years at 0.77); height over HEIGHT_RANGE, which is most
  of anny's axis but leaves out its giant and tiny ends (anny's full 0-1 spans about 1.2 m
  to 2.45 m of stature).
- Splits: the bodies are split 60/20/20 into train/val/test by a seeded permutation;
  every clip of a body is in that body's split, so no body is seen in two splits. Camera
  parameters are drawn per clip (from the clip's own seeded stream), so cameras do not
  repeat across splits either.
- Cameras (train/val/test): yaw uniform within +-YAW_MAX of side-on, both facings (the
  camera on the person's left or right), working leg near or far (balanced by cycling),
  height, vertical field of view and framing (the fraction of the image the person's
  extent fills) uniform in their ranges; the distance follows from the framing, the
  field of view and the body's estimated stature (`stature_m`).
- Scenario classes are assigned from a balanced list per split (CLASS_WEIGHTS), shuffled,
  so each split has every class in the same proportions. Timelines are short (3-6 s) and
  use scenarios.py's segments and phase vocabulary (setup, hold, fault, rest), with the
  key values jittered per clip (e.g. the arch fault's anterior pelvic tilt 5-20 deg and
  lumbar extension 5-25 deg, eased in over 0.3-1.5 s).
- The sweep: kneeling clips (good hold or an arch episode) at every yaw of SWEEP_YAWS in
  both directions, working leg near and far, and bench clips at SWEEP_BENCH_YAWS, twice:
  on validation bodies ("valsweep", where the view gate is chosen) and on test bodies
  ("sweep", where it is reported), so the curve that scores the gate is measured on
  bodies nothing was fitted or chosen on. The ground truth is measured on the 3-D
  skeleton in the body's own sagittal plane, so it does not depend on yaw; the true yaw
  is recorded.

Everything is derived from `seed` through numpy Generators keyed by (seed, purpose,
index), so one clip's parameters do not depend on which other clips are selected.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from tools.clipgen import clothing
from tools.clipgen.body import Shape
from tools.clipgen.scenarios import Scenario, Segment

CORPUS_VERSION = "1"
DEFAULT_SEED = 20260
N_BODIES = 64
SPLIT_FRACTIONS = (("train", 0.6), ("val", 0.2), ("test", 0.2))
SPLITS = ("train", "val", "test", "sweep", "valsweep")
# The yaw sweeps: "valsweep" on validation bodies (the view gate is chosen on it), "sweep"
# on test bodies (what the gate is then reported on).
SWEEP_SPLITS = {"sweep": ("test", 20), "valsweep": ("val", 21)}
CLIPS_PER_BODY = 3  # train/val/test clips per body

AGE_RANGE = (0.67, 1.0)
HEIGHT_RANGE = (0.1, 0.8)
FULL_RANGE = (0.0, 1.0)
SHAPE_RANGES = {
    "gender": FULL_RANGE,
    "age": AGE_RANGE,
    "muscle": FULL_RANGE,
    "weight": FULL_RANGE,
    "height": HEIGHT_RANGE,
    "proportions": FULL_RANGE,
}

YAW_MAX = 20.0
CAMERA_HEIGHT = (0.3, 1.5)
FOV_RANGE = (35.0, 65.0)  # vertical, degrees
FILL_RANGE = (0.55, 0.85)
DISTANCE_CLAMP = (1.2, 8.0)
SIZE = (960, 540)

SWEEP_YAWS = tuple(range(0, 61, 5))
SWEEP_BENCH_YAWS = (0, 15, 30, 45, 60)
SWEEP_DURATION_S = 3.0
MIN_DURATION_S, MAX_DURATION_S = 3.0, 4.2

EXERCISES = {
    "kneel_good": "kneeling_hip_flexor",
    "kneel_tuck": "kneeling_hip_flexor",
    "kneel_arch": "kneeling_hip_flexor",
    "kneel_start_arch": "kneeling_hip_flexor",
    "kneel_lean": "kneeling_hip_flexor",
    "bench_good": "edge_of_bench_psoas",
    "bench_arch": "edge_of_bench_psoas",
    "lying_level1": "lying_psoas_level1",
    "constructive_rest": "constructive_rest",
}
CLASS_WEIGHTS = {
    "kneel_good": 0.15,
    "kneel_tuck": 0.08,
    "kneel_arch": 0.17,
    "kneel_start_arch": 0.08,
    "kneel_lean": 0.12,
    "bench_good": 0.12,
    "bench_arch": 0.12,
    "lying_level1": 0.10,
    "constructive_rest": 0.06,
}
# Hand placements each kind of exercise draws from (repeats weight a choice).
HANDS = {
    "kneeling": ("hips", "low_back", "front_knee", "overhead", "sides"),
    "bench": ("sides", "hips", "front_knee", "front_knee", "overhead"),
    "lying": ("front_knee", "front_knee", "sides", "hips"),
    "rest": ("sides", "sides", "hips", "overhead"),
}
KEY_TINTS = ((1.0, 1.0, 1.0), (1.0, 0.93, 0.82), (0.86, 0.92, 1.0))


@dataclass(frozen=True)
class BodySpec:
    id: str
    index: int
    split: str
    shape: Shape


@dataclass(frozen=True)
class CameraSpec:
    """yaw_deg: off side-on, positive = the camera moved towards the person's front.
    side: +1 camera on the person's left (+x), -1 on their right."""

    yaw_deg: float
    side: int
    height_m: float
    distance_m: float
    fov_deg: float
    fill: float
    target: tuple[float, float, float]

    def position(self) -> tuple[float, float, float]:
        yaw = math.radians(self.yaw_deg)
        t = self.target
        return (
            t[0] + self.side * self.distance_m * math.cos(yaw),
            t[1] - self.distance_m * math.sin(yaw),
            self.height_m,
        )


@dataclass(frozen=True)
class RoomSpec:
    floor: tuple[int, int, int]
    wall: tuple[int, int, int]
    wall_distance_m: float  # behind the person, from their midline
    prop: tuple[int, int, int]  # cushion or bench colour
    ambient: float
    key_intensity: float
    key_offset: tuple[float, float, float]
    key_colour: tuple[float, float, float]
    fill_intensity: float


@dataclass(frozen=True)
class ClipSpec:
    name: str
    split: str
    body: BodySpec
    klass: str
    exercise: str
    kind: str  # "kneeling" | "supine"
    surface: str  # "floor" | "bench" | "bench_long"
    side: str  # working leg, the person's own
    held_knee: str  # the knee the hands hold when hands == "front_knee"
    camera: CameraSpec
    outfit: clothing.Outfit
    hands: str
    room: RoomSpec
    seed: int
    segments: tuple[Segment, ...]
    start: dict = field(default_factory=dict)

    @property
    def near_leg(self) -> bool:
        """The working leg is on the camera's side of the body (+x is the left)."""
        return (self.side == "L") == (self.camera.side > 0)

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    def scenario(self) -> Scenario:
        """The scripted clip in scenarios.py's form (timeline(), truth rows)."""
        return Scenario(
            name=self.name,
            exercise=self.exercise,
            side=self.side,
            kind=self.kind,
            segments=self.segments,
            shape=self.body.shape,
            camera_side=self.camera.side,
            camera_yaw_deg=self.camera.yaw_deg,
            seed=self.seed,
            surface=self.surface,
            start=dict(self.start),
        )

    def index_row(self) -> dict:
        return {
            "name": self.name,
            "split": self.split,
            "body_id": self.body.id,
            "class": self.klass,
            "exercise": self.exercise,
            "side": self.side,
            "camera_yaw_deg": round(self.camera.yaw_deg, 3),
            "camera_side": "left" if self.camera.side > 0 else "right",
            "working_leg": "near" if self.near_leg else "far",
            "duration_s": round(self.duration_s, 3),
            "clothing": self.outfit.label,
            "hands": self.hands,
        }

    def metadata(self) -> dict:
        """The corpus-specific JSON fields (added to generate.py's)."""
        return {
            "corpus_version": CORPUS_VERSION,
            "split": self.split,
            "body_id": self.body.id,
            "scenario_class": self.klass,
            "working_leg": "near" if self.near_leg else "far",
            "camera": {
                "yaw_deg": round(self.camera.yaw_deg, 3),
                "yaw_convention": "degrees off side-on; positive = camera towards the "
                "person's front",
                "side": "left" if self.camera.side > 0 else "right",
                "height_m": round(self.camera.height_m, 3),
                "distance_m": round(self.camera.distance_m, 3),
                "fov_vertical_deg": round(self.camera.fov_deg, 2),
                "framing_fill": round(self.camera.fill, 3),
                "target": [round(v, 3) for v in self.camera.target],
                "position": [round(v, 3) for v in self.camera.position()],
            },
            "clothing": {"label": self.outfit.label, **asdict(self.outfit)},
            "hands": self.hands,
            "held_knee": self.held_knee if self.hands == "front_knee" else None,
            "room": asdict(self.room),
            "segments": [
                {"duration_s": round(s.duration_s, 3), "phase": s.phase, "ease_s": s.ease_s}
                for s in self.segments
            ],
        }


# ------------------------------------------------------------------------------ bodies


def stature_m(shape: Shape) -> float:
    """Approximate standing height of an anny adult (m), linear in height and gender.

    Fitted to anny's rest mesh (top to bottom) at age 0.85: male 1.35 m + 1.095 m x height,
    female 1.22 m + 1.083 m x height; age over the adult range changes it by ~1%. Used only
    to frame the camera; the real extent shows in the ground truth's in_frame column.
    """
    g, h = shape.gender, shape.height
    return (1.348 - 0.128 * g) + (1.095 - 0.012 * g) * h


def latin_hypercube(rng: np.random.Generator, n: int, ranges: dict) -> list[dict]:
    out = [{} for _ in range(n)]
    for name, (lo, hi) in ranges.items():
        strata = (rng.permutation(n) + rng.uniform(0, 1, n)) / n
        for i in range(n):
            out[i][name] = float(lo + (hi - lo) * strata[i])
    return out


def sample_bodies(seed: int = DEFAULT_SEED, n: int = N_BODIES) -> list[BodySpec]:
    rng = np.random.default_rng([seed, 1])
    values = latin_hypercube(rng, n, SHAPE_RANGES)
    order = np.random.default_rng([seed, 2]).permutation(n)
    splits = [""] * n
    start = 0
    for k, (split, fraction) in enumerate(SPLIT_FRACTIONS):
        count = n - start if k == len(SPLIT_FRACTIONS) - 1 else int(round(fraction * n))
        for i in order[start : start + count]:
            splits[int(i)] = split
        start += count
    return [
        BodySpec(f"b{i:03d}", i, splits[i], Shape(**{k: round(v, 4) for k, v in values[i].items()}))
        for i in range(n)
    ]


# ---------------------------------------------------------------------------- sampling


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _outfit(rng: np.random.Generator) -> clothing.Outfit:
    top = str(rng.choice(clothing.TOPS, p=[0.35, 0.35, 0.30]))
    if top == "tight":
        hem, ease = 0.0, 0.0
    elif top == "tee":
        hem, ease = _u(rng, 0.02, 0.07), _u(rng, 0.012, 0.03)
    else:
        hem, ease = _u(rng, 0.10, 0.20), _u(rng, 0.025, 0.05)
    return clothing.Outfit(
        top=top,
        sleeves=str(rng.choice(clothing.SLEEVES, p=[0.6, 0.4])),
        bottoms=str(rng.choice(clothing.BOTTOMS, p=[0.4, 0.4, 0.2])),
        hem_drop=round(hem, 4),
        ease=round(ease, 4),
        skin=int(rng.integers(len(clothing.SKIN_TONES))),
        top_colour=int(rng.integers(len(clothing.TOP_COLOURS))),
        bottom_colour=int(rng.integers(len(clothing.BOTTOM_COLOURS))),
        shoe_colour=int(rng.integers(len(clothing.SHOE_COLOURS))),
        stripe=int(rng.integers(len(clothing.TOP_COLOURS))) if rng.uniform() < 0.2 else -1,
    )


def _room(rng: np.random.Generator, surface: str) -> RoomSpec:
    if surface == "floor":
        prop = tuple(int(c) for c in rng.integers(40, 200, 3))
    else:
        prop = ((112, 72, 52), (70, 50, 40), (60, 70, 90), (150, 140, 130))[rng.integers(4)]
    return RoomSpec(
        floor=tuple(int(c) for c in rng.integers(60, 210, 3)),
        wall=tuple(int(c) for c in rng.integers(120, 240, 3)),
        wall_distance_m=round(_u(rng, 1.2, 3.0), 3),
        prop=prop,
        ambient=round(_u(rng, 0.15, 0.5), 3),
        key_intensity=round(_u(rng, 1.5, 4.5), 3),
        key_offset=(
            round(_u(rng, -0.5, 0.5), 3),
            round(_u(rng, -1.5, 1.5), 3),
            round(_u(rng, 1.0, 3.0), 3),
        ),
        key_colour=KEY_TINTS[int(rng.integers(len(KEY_TINTS)))],
        fill_intensity=round(_u(rng, 3.0, 10.0), 3),
    )


def subject_extent(kind_surface: str, stature: float) -> tuple[float, float, tuple]:
    """(vertical m, horizontal m, camera target) of the person in a pose, from stature."""
    k = stature / 1.8
    if kind_surface == "kneeling":
        return 0.78 * stature, 0.8 * stature, (0.0, -0.15 * k, 0.36 * stature)
    if kind_surface == "bench":
        return 1.05, 1.8 * k, (0.0, 0.35 * k, 0.62)
    if kind_surface == "bench_long":
        return 0.95, 2.05 * k, (0.0, 0.0, 0.72)
    return 0.65, 1.7 * k, (0.0, 0.2 * k, 0.25)  # lying on the floor


def _camera(
    rng: np.random.Generator,
    yaw: float,
    side: int,
    kind_surface: str,
    shape: Shape,
    overhead: bool = False,
) -> CameraSpec:
    height = _u(rng, *CAMERA_HEIGHT)
    fov = _u(rng, *FOV_RANGE)
    fill = _u(rng, *FILL_RANGE)
    stature = stature_m(shape)
    vertical, horizontal, target = subject_extent(kind_surface, stature)
    if overhead and kind_surface == "kneeling":  # frame the raised arms too
        vertical += 0.3 * stature
        target = (target[0], target[1], target[2] + 0.15 * stature)
    tan_v = math.tan(math.radians(fov) / 2)
    tan_h = tan_v * SIZE[0] / SIZE[1]
    distance = max(vertical / (2 * tan_v * fill), horizontal / (2 * tan_h * fill))
    distance = min(max(distance, DISTANCE_CLAMP[0]), DISTANCE_CLAMP[1])
    return CameraSpec(
        yaw_deg=float(yaw),
        side=int(side),
        height_m=round(height, 4),
        distance_m=round(distance, 4),
        fov_deg=round(fov, 3),
        fill=round(fill, 4),
        target=tuple(round(v, 4) for v in target),
    )


def _fit(segments: list[Segment], lo: float, hi: float) -> tuple[Segment, ...]:
    """Stretch or trim the last segment so the clip lasts between lo and hi seconds (a
    last segment that cannot shrink enough to fit is dropped: a return to the hold)."""
    segments = list(segments)
    while True:
        total = sum(s.duration_s for s in segments)
        last = segments[-1]
        target = min(max(total, lo), hi)
        new = last.duration_s + target - total
        if new >= last.ease_s + 0.3 or len(segments) == 1:
            new = max(new, 0.5)
            segments[-1] = Segment(
                new, last.phase, last.values, last.ease_s, last.side, last.late_label_s
            )
            return tuple(segments)
        segments.pop()


def _kneel_good(rng) -> dict:
    return {
        "thigh": _u(rng, 8, 22),
        "tilt": _u(rng, -9, -3),
        "lumbar": _u(rng, -4, 0),
        "lean": _u(rng, -4, 4),
        "ankle": _u(rng, -0.56, -0.40),
    }


def _fault(duration: float, values: dict, ease: float) -> Segment:
    return Segment(duration, "fault", values, ease_s=ease, late_label_s=ease / 2)


def _back_to(duration: float, phase: str, values: dict, ease: float) -> Segment:
    return Segment(duration, phase, values, ease_s=ease, late_label_s=ease / 2)


def _arch(rng, good: dict) -> dict:
    return {
        "tilt": _u(rng, 5, 20),
        "lumbar": _u(rng, 5, 25),
        "thigh": good["thigh"] + _u(rng, 3, 7),
    }


def kneeling_timeline(klass: str, rng, short: bool = False) -> tuple[dict, list[Segment]]:
    """(start values, segments) of a kneeling class; `short` fits a 3 s sweep clip."""
    good = _kneel_good(rng)
    if klass == "kneel_good":
        if not short and rng.uniform() < 0.4:
            start = {
                **good,
                "thigh": _u(rng, -10, -4),
                "tilt": _u(rng, 0, 4),
                "lumbar": _u(rng, 0, 3),
                "lean": _u(rng, -3, 1),
            }
            ease = _u(rng, 1.0, 1.8)
            return start, [
                Segment(1.0, "setup", dict(start), ease_s=0.0),
                Segment(_u(rng, 2.2, 3.5), "hold", good, ease_s=ease, late_label_s=ease / 2),
            ]
        return good, [Segment(_u(rng, 3.0, 3.6), "hold", good, ease_s=0.0)]
    if klass == "kneel_tuck":
        start = {**good, "tilt": _u(rng, -3, 1)}
        tuck = {
            "tilt": _u(rng, -18, -10),
            "lumbar": _u(rng, -8, -3),
            "thigh": good["thigh"] - _u(rng, 0, 4),
        }
        ease = _u(rng, 0.6, 1.2)
        return start, [
            Segment(_u(rng, 0.8, 1.2), "hold", dict(start), ease_s=0.0),
            Segment(ease + _u(rng, 1.5, 2.5), "hold", tuck, ease_s=ease),
        ]
    if klass == "kneel_arch":
        if short:  # 1 s of good hold, then the arch for the rest of the 3 s
            ease = _u(rng, 0.3, 1.0)
            return good, [
                Segment(1.0, "hold", dict(good), ease_s=0.0),
                _fault(2.0, _arch(rng, good), ease),
            ]
        ease = _u(rng, 0.3, 1.5)
        segments = [
            Segment(_u(rng, 1.0, 1.6), "hold", dict(good), ease_s=0.0),
            _fault(ease + _u(rng, 0.8, 1.8), _arch(rng, good), ease),
        ]
        if rng.uniform() < 0.55:
            back = _u(rng, 0.5, 1.0)
            segments.append(_back_to(back + _u(rng, 0.6, 1.2), "hold", good, back))
        return good, segments
    if klass == "kneel_start_arch":
        arch = {**good, **_arch(rng, good)}
        ease = _u(rng, 0.6, 1.4)
        return arch, [
            Segment(_u(rng, 1.0, 1.8), "fault", dict(arch), ease_s=0.0),
            _back_to(ease + _u(rng, 1.2, 2.2), "hold", good, ease),
        ]
    if klass == "kneel_lean":
        if rng.uniform() < 0.7:
            lean = {"lean": _u(rng, 12, 30), "thigh": good["thigh"] - _u(rng, 2, 8)}
        else:
            lean = {"lean": _u(rng, -20, -12), "thigh": good["thigh"] + _u(rng, 0, 3)}
        lean["tilt"] = _u(rng, -2, 4)
        ease = _u(rng, 0.5, 1.2)
        segments = [
            Segment(_u(rng, 1.0, 1.5), "hold", dict(good), ease_s=0.0),
            _fault(ease + _u(rng, 1.0, 1.8), lean, ease),
        ]
        if rng.uniform() < 0.5:
            back = _u(rng, 0.5, 1.0)
            segments.append(_back_to(back + _u(rng, 0.6, 1.2), "hold", good, back))
        return good, segments
    raise ValueError(klass)


def _bench_good(rng) -> dict:
    return {
        "hip_w": _u(rng, 12, 28),
        "knee_w": _u(rng, 50, 75),
        "hip_o": _u(rng, -125, -105),
        "knee_o": _u(rng, 115, 135),
        "tilt": _u(rng, -10, -4),
        "lumbar": _u(rng, -8, -3),
    }


def supine_timeline(klass: str, rng, short: bool = False) -> tuple[dict, list[Segment]]:
    if klass == "bench_good":
        good = _bench_good(rng)
        if not short and rng.uniform() < 0.35:
            start = {"hip_w": 0.0, "knee_w": 5.0, "hip_o": -60.0, "knee_o": 80.0}
            start = {**good, **{k: v + _u(rng, -5, 5) for k, v in start.items()}}
            ease = _u(rng, 1.5, 2.2)
            return start, [
                Segment(0.8, "setup", dict(start), ease_s=0.0),
                Segment(_u(rng, 2.5, 3.5), "hold", good, ease_s=ease, late_label_s=ease / 2),
            ]
        return good, [Segment(_u(rng, 3.0, 3.6), "hold", good, ease_s=0.0)]
    if klass == "bench_arch":
        good = _bench_good(rng)
        arch = {
            "tilt": _u(rng, 5, 15),
            "lumbar": _u(rng, 8, 20),
            "hip_o": good["hip_o"] + _u(rng, 15, 25),
            "hip_w": good["hip_w"] + _u(rng, 4, 8),
        }
        if short:
            ease = _u(rng, 0.4, 1.0)
            return good, [Segment(1.0, "hold", dict(good), ease_s=0.0), _fault(2.0, arch, ease)]
        ease = _u(rng, 0.4, 1.2)
        segments = [
            Segment(_u(rng, 1.0, 1.5), "hold", dict(good), ease_s=0.0),
            _fault(ease + _u(rng, 0.8, 1.8), arch, ease),
        ]
        if rng.uniform() < 0.5:
            back = _u(rng, 0.5, 1.0)
            segments.append(_back_to(back + _u(rng, 0.6, 1.2), "hold", good, back))
        return good, segments
    if klass == "lying_level1":
        hold = {
            "hip_w": _u(rng, -3, 3),
            "knee_w": _u(rng, 3, 8),
            "hip_o": _u(rng, -125, -108),
            "knee_o": _u(rng, 118, 135),
            "tilt": _u(rng, -5, -1),
            "lumbar": _u(rng, -5, -1),
        }
        if rng.uniform() < 0.3:
            start = {**hold, "hip_o": _u(rng, -5, 0), "knee_o": _u(rng, 3, 8)}
            ease = _u(rng, 1.2, 1.8)
            return start, [
                Segment(0.7, "setup", dict(start), ease_s=0.0),
                Segment(_u(rng, 2.5, 3.3), "hold", hold, ease_s=ease, late_label_s=ease / 2),
            ]
        return hold, [Segment(_u(rng, 3.0, 3.5), "hold", hold, ease_s=0.0)]
    if klass == "constructive_rest":
        hip, knee = _u(rng, -60, -45), _u(rng, 85, 105)
        rest = {
            "hip_w": hip + _u(rng, -3, 3),
            "knee_w": knee + _u(rng, -4, 4),
            "hip_o": hip + _u(rng, -3, 3),
            "knee_o": knee + _u(rng, -4, 4),
            "tilt": _u(rng, -3, 0),
            "lumbar": _u(rng, -5, -2),
        }
        return rest, [
            Segment(0.5, "setup", dict(rest), ease_s=0.0),
            Segment(_u(rng, 2.5, 3.0), "rest", rest, ease_s=0.0),
        ]
    raise ValueError(klass)


def _kind(klass: str) -> tuple[str, str, str]:
    """(kind, surface, hands pool) of a class."""
    if klass.startswith("kneel"):
        return "kneeling", "floor", "kneeling"
    if klass.startswith("bench"):
        return "supine", "bench", "bench"
    if klass == "lying_level1":
        return "supine", "bench_long", "lying"
    return "supine", "floor", "rest"


def make_clip(
    name: str,
    split: str,
    body: BodySpec,
    klass: str,
    rng: np.random.Generator,
    seed: int,
    yaw: float,
    camera_side: int,
    side: str,
    short: bool = False,
) -> ClipSpec:
    kind, surface, pool = _kind(klass)
    if kind == "kneeling":
        start, segments = kneeling_timeline(klass, rng, short)
    else:
        start, segments = supine_timeline(klass, rng, short)
    if short:
        fitted = _fit(segments, SWEEP_DURATION_S, SWEEP_DURATION_S)
    else:
        fitted = _fit(segments, MIN_DURATION_S, MAX_DURATION_S)
    frame_key = "kneeling" if kind == "kneeling" else surface
    hands = str(rng.choice(HANDS[pool]))
    camera = _camera(rng, yaw, camera_side, frame_key, body.shape, hands == "overhead")
    return ClipSpec(
        name=name,
        split=split,
        body=body,
        klass=klass,
        exercise=EXERCISES[klass],
        kind=kind,
        surface=surface,
        side=side,
        held_knee="L" if side == "R" else "R",
        camera=camera,
        outfit=_outfit(rng),
        hands=hands,
        room=_room(rng, surface),
        seed=seed,
        segments=fitted,
        start={k: round(v, 4) for k, v in start.items()},
    )


def _balanced(weights: dict[str, float], n: int, rng: np.random.Generator) -> list[str]:
    """n class labels in the given proportions (largest remainders), shuffled."""
    names = list(weights)
    total = sum(weights.values())
    exact = [weights[k] / total * n for k in names]
    counts = [int(math.floor(e)) for e in exact]
    for i in sorted(range(len(names)), key=lambda i: exact[i] - counts[i], reverse=True):
        if sum(counts) >= n:
            break
        counts[i] += 1
    labels = [k for k, c in zip(names, counts, strict=True) for _ in range(c)]
    return [labels[i] for i in rng.permutation(len(labels))]


def _clip_seed(seed: int, purpose: int, index: int) -> int:
    return int(np.random.default_rng([seed, purpose, index]).integers(2**31 - 1))


def split_clips(seed: int, bodies: list[BodySpec], split: str) -> list[ClipSpec]:
    """The train/val/test clips of one split: CLIPS_PER_BODY per body of the split."""
    purpose = 10 + SPLITS.index(split)
    members = [b for b in bodies if b.split == split]
    n = len(members) * CLIPS_PER_BODY
    klasses = _balanced(CLASS_WEIGHTS, n, np.random.default_rng([seed, purpose, 0]))
    # Facing x working leg, cycled so near/far and left/right facings stay balanced.
    combos = [(cs, side) for cs in (1, -1) for side in ("L", "R")]
    order = np.random.default_rng([seed, purpose, 1]).permutation(n)
    clips = []
    for i in range(n):
        body = members[i % len(members)]
        clip_seed = _clip_seed(seed, purpose, i + 2)
        rng = np.random.default_rng(clip_seed)
        yaw = round(_u(rng, -YAW_MAX, YAW_MAX), 3)
        camera_side, side = combos[int(order[i]) % len(combos)]
        klass = klasses[i]
        name = f"{split}_{i:04d}_{klass}"
        clips.append(make_clip(name, split, body, klass, rng, clip_seed, yaw, camera_side, side))
    return clips


def sweep_clips(seed: int, bodies: list[BodySpec], split: str = "sweep") -> list[ClipSpec]:
    """Yaw sweep on one split's bodies (SWEEP_SPLITS: test for "sweep", val for
    "valsweep"): kneeling at SWEEP_YAWS and bench at SWEEP_BENCH_YAWS, each yaw in both
    directions (0 once), working leg near and far."""
    body_split, purpose = SWEEP_SPLITS[split]
    test = [b for b in bodies if b.split == body_split]
    plan = []
    for family, yaws in (("kneel", SWEEP_YAWS), ("bench", SWEEP_BENCH_YAWS)):
        signed = sorted({float(s * y) for y in yaws for s in (1, -1)})
        for yaw in signed:
            for leg in ("near", "far"):
                plan.append((family, yaw, leg))
    clips = []
    for i, (family, yaw, leg) in enumerate(plan):
        clip_seed = _clip_seed(seed, purpose, i)
        rng = np.random.default_rng(clip_seed)
        body = test[i % len(test)]
        camera_side = 1 if i % 4 < 2 else -1
        near_side = "L" if camera_side > 0 else "R"
        side = near_side if leg == "near" else ("R" if near_side == "L" else "L")
        klass = f"{family}_good" if (i // 2) % 2 == 0 else f"{family}_arch"
        tag = f"yaw{'p' if yaw >= 0 else 'm'}{abs(int(yaw)):02d}_{leg}"
        name = f"{split}_{i:04d}_{klass}_{tag}"
        clips.append(
            make_clip(
                name, split, body, klass, rng, clip_seed, yaw, camera_side, side, short=True
            )
        )
    return clips


def corpus(seed: int = DEFAULT_SEED, splits: tuple[str, ...] = SPLITS) -> list[ClipSpec]:
    """Every clip of the selected splits, in a fixed order."""
    bodies = sample_bodies(seed)
    clips: list[ClipSpec] = []
    for split in splits:
        clips += (sweep_clips(seed, bodies, split) if split in SWEEP_SPLITS
                  else split_clips(seed, bodies, split))
    return clips
