"""The scripted clips: keyframed parameters with eased transitions, a phase and a side.

A timeline is a list of segments; each eases its parameters from the previous segment's
end values to its own over `ease_s` seconds, then holds them (with a slow breathing sway).
Phases follow the ground-truth vocabulary: setup, hold, fault, contract, relax, rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.clipgen.body import Shape
from tools.clipgen.posing import Kneeling, Supine, Trunk


@dataclass(frozen=True)
class Segment:
    duration_s: float
    phase: str
    values: dict[str, float]
    ease_s: float = 1.0
    side: str | None = None
    # Label the first `late_label_s` seconds of the segment with the previous phase:
    # a fault starts when the body has moved half-way into it, not when it begins to.
    late_label_s: float = 0.0


@dataclass(frozen=True)
class Scenario:
    name: str
    exercise: str
    side: str
    kind: str  # "kneeling" | "supine"
    segments: tuple[Segment, ...]
    shape: Shape
    camera_side: int  # +1: camera on +x (sees the left side), -1: on -x (right side)
    camera_yaw_deg: float = 0.0
    seed: int = 0
    surface: str = "floor"  # "floor" | "bench"
    pan: tuple[tuple[float, float], ...] = ()  # (time_s, camera y offset m) keyframes
    description: str = ""
    start: dict[str, float] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)


def smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


@dataclass(frozen=True)
class FrameSpec:
    time_s: float
    phase: str
    side: str
    values: dict[str, float]


def timeline(scenario: Scenario, fps: float) -> list[FrameSpec]:
    """Per-frame parameter values, phase and working side."""
    frames = []
    count = int(round(scenario.duration_s * fps))
    current = dict(scenario.start)
    bounds = []
    t0 = 0.0
    for seg in scenario.segments:
        start_values = dict(current)
        current = {**current, **seg.values}
        bounds.append((t0, seg, start_values, dict(current)))
        t0 += seg.duration_s
    previous_phase = scenario.segments[0].phase
    for i in range(count):
        t = i / fps
        index = next(
            (i for i, (start, seg, _, _) in enumerate(bounds) if t < start + seg.duration_s),
            len(bounds) - 1,
        )
        start, seg, a, b = bounds[index]
        k = smoothstep((t - start) / seg.ease_s) if seg.ease_s > 0 else 1.0
        values = {key: a.get(key, b[key]) + (b[key] - a.get(key, b[key])) * k for key in b}
        values["breath"] = math.sin(2 * math.pi * t / 4.5)
        prior = bounds[index - 1][1].phase if index > 0 else previous_phase
        phase = prior if t - start < seg.late_label_s else seg.phase
        frames.append(FrameSpec(t, phase, seg.side or scenario.side, values))
    return frames


# ----------------------------------------------------------------------------- kneeling

KNEEL_START = {"thigh": -8.0, "tilt": 2.0, "lumbar": 2.0, "lean": -2.0, "ankle": -0.46}
GOOD = {"thigh": 14.0, "tilt": -6.0, "lumbar": -2.0, "lean": -2.0, "ankle": -0.46}
DEEPER = {"thigh": 18.0, "tilt": -7.0, "lumbar": -2.0, "lean": -3.0, "ankle": -0.46}
ARCH = {"tilt": 12.0, "lumbar": 16.0, "thigh": 19.0}
LEAN = {"lean": 24.0, "thigh": 8.0, "tilt": 2.0}
RELEASE = {"thigh": -6.0, "tilt": 2.0, "lumbar": 2.0, "lean": -1.0}


def kneeling_pose(side: str, v: dict[str, float]) -> Kneeling:
    # The breathing sway: the hip eases 1 deg forward and back, the chest rises a little.
    sway = 0.6 * v["breath"]
    return Kneeling(
        side=side,
        back_thigh=v["thigh"] + sway,
        front_ankle_y=v["ankle"],
        trunk=Trunk(pelvis_tilt=v["tilt"], lumbar_ext=v["lumbar"], lean=v["lean"]),
    )


def supine_pose(side: str, v: dict[str, float]) -> Supine:
    other = "L" if side == "R" else "R"
    return Supine(
        hip={side: v["hip_w"], other: v["hip_o"]},
        knee={side: v["knee_w"], other: v["knee_o"]},
        trunk=Trunk(pelvis_tilt=v["tilt"], lumbar_ext=v["lumbar"]),
        breath=1.0 * v["breath"],
    )


def _kneel(name, exercise, side, segments, camera_side, seed, shape, **extra) -> Scenario:
    return Scenario(
        name,
        exercise,
        side,
        "kneeling",
        tuple(segments),
        shape,
        camera_side,
        seed=seed,
        start=dict(KNEEL_START),
        **extra,
    )


def _good_hold(hold_s: float) -> list[Segment]:
    return [
        Segment(2.5, "setup", dict(KNEEL_START), ease_s=0.5),
        Segment(hold_s, "hold", GOOD, ease_s=2.0, late_label_s=1.0),
    ]


BENCH_START = {
    "hip_w": 0.0,
    "knee_w": 5.0,
    "hip_o": -60.0,
    "knee_o": 80.0,
    "tilt": 0.0,
    "lumbar": 0.0,
}
BENCH_GOOD = {
    "hip_w": 20.0,
    "knee_w": 62.0,
    "hip_o": -118.0,
    "knee_o": 128.0,
    "tilt": -8.0,
    "lumbar": -6.0,
}
BENCH_ARCH = {"tilt": 10.0, "lumbar": 14.0, "hip_o": -95.0}


def _bench(name, side, segments, camera_side, seed, shape) -> Scenario:
    return Scenario(
        name,
        "edge_of_bench_psoas",
        side,
        "supine",
        tuple(segments),
        shape,
        camera_side,
        seed=seed,
        surface="bench",
        start=dict(BENCH_START),
    )


def _bench_good(hold_s: float) -> list[Segment]:
    return [
        Segment(2.5, "setup", dict(BENCH_START), ease_s=0.5),
        Segment(hold_s, "hold", BENCH_GOOD, ease_s=2.5, late_label_s=1.25),
    ]


def _pnf_cycles() -> list[Segment]:
    segments = [
        Segment(2.5, "setup", dict(KNEEL_START), ease_s=0.5),
        Segment(7.0, "hold", GOOD, ease_s=2.0, late_label_s=1.0),
    ]
    for cycle in range(3):
        deeper = GOOD["thigh"] + 3.0 * (cycle + 1)
        segments += [
            # Contracting: the glute and hip flexor of the back leg push into the floor;
            # seen from the side, the pelvis tucks a little and nothing else moves.
            Segment(5.0, "contract", {"tilt": -9.0}, ease_s=0.4),
            Segment(5.0, "relax", {"tilt": GOOD["tilt"], "thigh": deeper}, ease_s=2.0),
        ]
    return segments


SCENARIOS: tuple[Callable[[], Scenario], ...] = (
    lambda: _kneel(
        "kneeling_good_R",
        "kneeling_hip_flexor",
        "R",
        [*_good_hold(15.0), Segment(2.5, "rest", RELEASE, ease_s=1.5)],
        camera_side=-1,
        seed=11,
        shape=Shape(gender=0.9, weight=0.55, muscle=0.6),
        description="Right knee down, good form: settle, shift forward, hold 15 s, release.",
    ),
    lambda: _kneel(
        "kneeling_good_L",
        "kneeling_hip_flexor",
        "L",
        [*_good_hold(15.0), Segment(2.5, "rest", RELEASE, ease_s=1.5)],
        camera_side=1,
        seed=12,
        shape=Shape(gender=0.1, weight=0.4, height=0.4),
        description="Left knee down, facing the other way, good form.",
    ),
    lambda: _kneel(
        "kneeling_arch",
        "kneeling_hip_flexor",
        "R",
        [
            *_good_hold(6.0),
            Segment(5.0, "fault", ARCH, ease_s=0.8, late_label_s=0.4),
            Segment(7.0, "hold", GOOD, ease_s=0.8, late_label_s=0.4),
            Segment(2.0, "rest", RELEASE, ease_s=1.5),
        ],
        camera_side=-1,
        seed=13,
        shape=Shape(gender=0.7, weight=0.7, age=0.6),
        description="Good hold, then 5 s of arching the low back (anterior pelvic tilt "
        "+ lumbar extension; the thigh reads more extended), then good form again.",
    ),
    lambda: _kneel(
        "kneeling_lean",
        "kneeling_hip_flexor",
        "L",
        [
            *_good_hold(6.0),
            Segment(5.0, "fault", LEAN, ease_s=0.8, late_label_s=0.4),
            Segment(6.0, "hold", GOOD, ease_s=0.8, late_label_s=0.4),
        ],
        camera_side=1,
        seed=14,
        shape=Shape(gender=0.3, weight=0.5, muscle=0.3),
        description="Good hold, then 5 s leaning the trunk forward, then good form again.",
    ),
    lambda: _kneel(
        "kneeling_pnf",
        "kneeling_hip_flexor_pnf",
        "R",
        _pnf_cycles(),
        camera_side=-1,
        seed=15,
        shape=Shape(gender=0.8, weight=0.45, height=0.6),
        description="Contract-relax: settle 7 s, then 3 cycles of 5 s contract / 5 s relax, "
        "sinking 3 deg deeper after each relax.",
    ),
    lambda: _bench(
        "bench_good_R",
        "R",
        [*_bench_good(13.0)],
        camera_side=-1,
        seed=21,
        shape=Shape(gender=0.85, weight=0.5),
    ),
    lambda: _bench(
        "bench_good_L",
        "L",
        [*_bench_good(13.0)],
        camera_side=1,
        seed=22,
        shape=Shape(gender=0.2, weight=0.6, age=0.3),
    ),
    lambda: _bench(
        "bench_arch",
        "R",
        [
            *_bench_good(6.0),
            Segment(5.0, "fault", BENCH_ARCH, ease_s=0.8, late_label_s=0.4),
            Segment(6.0, "hold", BENCH_GOOD, ease_s=0.8, late_label_s=0.4),
        ],
        camera_side=1,
        seed=23,
        shape=Shape(gender=0.6, weight=0.65),
    ),
    lambda: _kneel(
        "kneeling_oblique",
        "kneeling_hip_flexor",
        "R",
        _good_hold(10.0),
        camera_side=-1,
        seed=16,
        shape=Shape(gender=0.5),
        camera_yaw_deg=38.0,
        description="Good form filmed 38 deg off the side view.",
    ),
    lambda: _kneel(
        "kneeling_leaves_frame",
        "kneeling_hip_flexor",
        "L",
        _good_hold(13.0),
        camera_side=1,
        seed=17,
        shape=Shape(gender=0.4, weight=0.45),
        pan=((0.0, 0.0), (6.0, 0.0), (7.0, 3.4), (10.0, 3.4), (11.0, 0.0), (20.0, 0.0)),
        description="Good form; the camera loses the person for about 3 s (6-11 s).",
    ),
)


def by_name() -> dict[str, Scenario]:
    scenarios = [make() for make in SCENARIOS] + [lying_level1(), constructive_rest()]
    return {s.name: s for s in scenarios}


def lying_level1() -> Scenario:
    start = {"hip_w": 0.0, "knee_w": 5.0, "hip_o": 0.0, "knee_o": 5.0, "tilt": -3.0, "lumbar": -3.0}
    knee_r = {"hip_w": 0.0, "knee_w": 5.0, "hip_o": -118.0, "knee_o": 128.0}
    # After the switch the legs swap roles: the working (straight) leg is the other one.
    knee_l = {"hip_w": 0.0, "knee_w": 5.0, "hip_o": -118.0, "knee_o": 128.0}
    return Scenario(
        "lying_level1",
        "lying_psoas_level1",
        "L",
        "supine",
        (
            Segment(2.0, "setup", start, ease_s=0.5),
            Segment(8.0, "hold", knee_r, ease_s=2.0, late_label_s=1.0),
            Segment(3.0, "rest", dict(start), ease_s=2.0),
            Segment(8.0, "hold", knee_l, ease_s=2.0, late_label_s=1.0, side="R"),
        ),
        Shape(gender=0.35, weight=0.55),
        camera_side=-1,
        seed=31,
        surface="bench_long",
        start=start,
        description="On a bench: right knee to the chest with the left leg straight "
        "(working side L), then the other way round (working side R).",
    )


def constructive_rest() -> Scenario:
    rest = {
        "hip_w": -50.0,
        "knee_w": 95.0,
        "hip_o": -50.0,
        "knee_o": 95.0,
        "tilt": -2.0,
        "lumbar": -4.0,
    }
    return Scenario(
        "constructive_rest",
        "constructive_rest",
        "L",
        "supine",
        (Segment(2.0, "setup", rest, ease_s=0.5), Segment(14.0, "rest", rest, ease_s=0.5)),
        Shape(gender=0.6, weight=0.5),
        camera_side=1,
        seed=32,
        surface="floor",
        start=rest,
        description="Lying on the floor, knees bent, feet flat, still. Side is nominal (L).",
    )
