"""Clothing for the corpus: outfits that colour body regions and, when loose, change the
silhouette by moving the garment's vertices off the skin.

Why: the coach estimates pelvic tilt and lumbar extension from the back contour of the
person's outline. Real users wear loose T-shirts and tops that hang over the hips, which
hide that contour; a corpus of skin-tight bodies would overstate the estimate's accuracy.

Method (no cloth simulation, deterministic, a few ms a frame):

- Regions come from the rest pose (anny's A-pose, z up, pelvis at z = 0): a vertex is an
  arm vertex when it is nearer the arm's bone chain than the trunk's axis (each measured
  against a typical limb/trunk radius), and `sleeve_t` (0 at the shoulder, 1 at the elbow,
  2 at the wrist) says how far along the arm it sits. The top covers the trunk from the
  shoulders down to its hem (the hip joints' height minus the hem drop: a hem below the
  hip line covers the buttocks and the top of the thighs) and the arms to the sleeve
  length; the bottoms cover the legs down to the ankles (shorts: to mid-thigh); the feet
  are shoes.
- Looseness, per frame on the posed mesh: (1) every garment vertex moves out along its
  vertex normal by the garment's ease, which grows from nothing at the shoulders (where a
  top rests on the body) to full at the waist and a little more at the hem (the flare);
  (2) the garment bridges the concavities of the trunk's profile: in the trunk's own frame
  (up = mid-hip to mid-shoulder, back = posterior), the most posterior garment point per
  2 cm slice along the trunk gives the back profile; its upper convex hull is where a
  fabric stretched from the shoulder blades to the buttocks lies, and each back vertex is
  pushed out towards that hull (fully at the spine, fading to the flanks). The same is
  done at the front. This fills the lumbar hollow the way a loose top does, so an arched
  low back shows much less in the outline. Tight garments only colour.

The skeleton, and so the ground truth, is untouched: only the drawn surface moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKIN_TONES = ((224, 172, 140), (198, 134, 100), (141, 85, 56), (241, 194, 165), (92, 58, 40))
TOP_COLOURS = (
    (40, 90, 160),
    (170, 40, 50),
    (60, 120, 70),
    (90, 90, 95),
    (200, 150, 40),
    (235, 235, 235),
    (25, 25, 30),
    (120, 70, 140),
    (220, 120, 150),
    (150, 160, 170),
)
BOTTOM_COLOURS = ((30, 30, 35), (50, 60, 90), (90, 70, 60), (60, 60, 60), (130, 125, 110))
SHOE_COLOURS = ((240, 240, 240), (20, 20, 20), (120, 30, 30), (200, 200, 210))

TOPS = ("tight", "tee", "long_top")
SLEEVES = ("short", "long")
BOTTOMS = ("leggings", "trousers", "shorts")


@dataclass(frozen=True)
class Outfit:
    """top: tight (hem at the hip line, no ease), tee (loose, hem a little below the hip
    joints) or long_top (loose, hangs well over the hips). hem_drop: m below the hip
    joints' height (negative: above). ease: m the garment stands off the skin at the
    waist. Colours are indices into the tables above; `stripe` adds a chest band."""

    top: str
    sleeves: str
    bottoms: str
    hem_drop: float
    ease: float
    skin: int
    top_colour: int
    bottom_colour: int
    shoe_colour: int
    stripe: int = -1  # index into TOP_COLOURS, or -1 for none

    @property
    def label(self) -> str:
        return f"{self.top}+{self.sleeves}_sleeves+{self.bottoms}"

    @property
    def loose(self) -> bool:
        return self.ease > 0


@dataclass(frozen=True)
class RestJoints:
    """Rest-pose joint centres the regions are cut at (m, anny rest frame)."""

    hip_z: float
    knee_z: float
    ankle_z: float
    shoulder_z: float
    arm: dict  # side -> (3, 3) array: shoulder, elbow, wrist


def rest_joints(body) -> RestJoints:
    """RestJoints of a tools.clipgen.body.Body."""
    h = body.rest_heads
    arm = {
        s: np.array([h[body.bone(f"{n}.{s}")] for n in ("upperarm01", "lowerarm01", "wrist")])
        for s in ("L", "R")
    }
    return RestJoints(
        hip_z=float(h[body.joint("hip", "L")][2]),
        knee_z=float(h[body.joint("knee", "L")][2]),
        ankle_z=float(h[body.joint("ankle", "L")][2]),
        shoulder_z=float(h[body.joint("shoulder", "L")][2]),
        arm=arm,
    )


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray):
    ab = b - a
    t = np.clip(((points - a) @ ab) / float(ab @ ab), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1), t


@dataclass(frozen=True)
class Regions:
    """Per-vertex masks and weights of an outfit (rest pose)."""

    top: np.ndarray  # bool: covered by the top (trunk part and sleeves)
    trunk_top: np.ndarray  # bool: the top's trunk part (not the sleeves)
    sleeve: np.ndarray  # bool
    bottoms: np.ndarray  # bool
    shoes: np.ndarray  # bool
    stripe: np.ndarray  # bool
    ease_weight: np.ndarray  # float: 0 at the shoulders, 1 at the waist, >1 at the hem
    midline: np.ndarray  # bool: trunk-top vertices near the sagittal midline (profile)


def regions(rest: np.ndarray, joints: RestJoints, outfit: Outfit) -> Regions:
    x, z = rest[:, 0], rest[:, 2]
    # Arm or trunk: nearer the arm chain (radius ~5 cm) than the trunk axis (~15 cm).
    trunk_d, _ = _segment_distance(rest, np.array([0, 0, -0.1]), np.array([0, 0, 0.55]))
    arm = np.zeros(len(rest), bool)
    sleeve_t = np.full(len(rest), 9.0)
    for chain in joints.arm.values():
        side = (x > 0) if chain[0][0] > 0 else (x < 0)
        d1, t1 = _segment_distance(rest, chain[0], chain[1])
        d2, t2 = _segment_distance(rest, chain[1], chain[2])
        d = np.minimum(d1, d2)
        t = np.where(d1 <= d2, t1, 1.0 + t2)
        mine = side & (d - 0.05 < trunk_d - 0.15) & (z > joints.hip_z + 0.05)
        arm |= mine
        sleeve_t = np.where(mine, t, sleeve_t)
    hem_z = joints.hip_z - outfit.hem_drop if outfit.top != "tight" else -0.02
    shoes = z <= joints.ankle_z - 0.01
    neck_z = joints.shoulder_z + 0.06
    sleeve_end = 0.5 if outfit.sleeves == "short" else 1.93
    sleeve = arm & (sleeve_t < sleeve_end)
    trunk_top = ~arm & (z > hem_z) & (z < neck_z) & (np.abs(x) < 0.26)
    top = trunk_top | sleeve
    if outfit.bottoms == "shorts":
        bottom_end = joints.hip_z - 0.45 * (joints.hip_z - joints.knee_z)
    else:
        bottom_end = joints.ankle_z + 0.02
    bottoms = (z <= hem_z) & ~arm & ~top & ~shoes & (z > bottom_end)
    chest = joints.shoulder_z - 0.12
    ease_weight = np.clip((chest - z) / 0.15, 0.0, 1.0) + 0.35 * np.clip(
        (joints.hip_z - z) / 0.15, 0.0, 1.0
    )
    stripe = trunk_top & (np.abs(z - (chest - 0.08)) < 0.035) if outfit.stripe >= 0 else None
    if stripe is None:
        stripe = np.zeros(len(rest), bool)
    midline = trunk_top & (np.abs(x) < 0.10) & (z > joints.hip_z - 0.14)
    return Regions(top, trunk_top, sleeve, bottoms, shoes, stripe, ease_weight, midline)


def colours(rest: np.ndarray, reg: Regions, outfit: Outfit) -> np.ndarray:
    """(V, 4) uint8 RGBA vertex colours of the outfit."""
    out = np.empty((len(rest), 4), np.uint8)
    out[:] = (*SKIN_TONES[outfit.skin], 255)
    out[reg.bottoms, :3] = BOTTOM_COLOURS[outfit.bottom_colour]
    out[reg.top, :3] = TOP_COLOURS[outfit.top_colour]
    if outfit.stripe >= 0:
        out[reg.stripe, :3] = TOP_COLOURS[outfit.stripe]
    out[reg.shoes, :3] = SHOE_COLOURS[outfit.shoe_colour]
    return out


def _upper_hull(s: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper convex hull of points sorted by s (monotone chain)."""
    hull: list[int] = []
    for i in range(len(s)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (s[b] - s[a]) * (p[i] - p[a]) - (p[b] - p[a]) * (s[i] - s[a])
            if cross >= 0:  # b lies on or below the chord a-i: not on the upper hull
                hull.pop()
            else:
                break
        hull.append(i)
    return s[hull], p[hull]


def _bridge(s: np.ndarray, p: np.ndarray, profile: np.ndarray, cap: float) -> np.ndarray:
    """Outward push (>= 0) of each vertex towards the upper hull of the profile's p."""
    lo, hi = s[profile].min(), s[profile].max()
    bins = np.floor((s[profile] - lo) / 0.02).astype(int)
    top = np.full(bins.max() + 1, -np.inf)
    np.maximum.at(top, bins, p[profile])
    keep = np.isfinite(top)
    centres = lo + (np.arange(len(top)) + 0.5) * 0.02
    cs, cp = centres[keep], top[keep]
    hs, hp = _upper_hull(cs, cp)
    hull = np.interp(s, hs, hp)
    reach = np.interp(s, cs, cp)
    gap = np.clip(hull - reach, 0.0, cap)
    weight = np.clip(p / np.maximum(reach, 1e-3), 0.0, 1.0) ** 2
    # Never past the hull: a vertex already outside the profile (e.g. near the armpit)
    # moves no further than the fabric line.
    push = np.minimum(gap * weight, np.maximum(hull - p, 0.0))
    inside = (s >= lo) & (s <= hi) & (p > 0)
    return np.where(inside, push, 0.0)


def drape(
    vertices: np.ndarray,
    normals: np.ndarray,
    reg: Regions,
    outfit: Outfit,
    mid_hip: np.ndarray,
    mid_shoulder: np.ndarray,
) -> np.ndarray:
    """Posed vertices with a loose outfit's garment moved off the skin (see module doc)."""
    if not outfit.loose:
        return vertices
    out = vertices.copy()
    ease = outfit.ease
    out[reg.trunk_top] += normals[reg.trunk_top] * (ease * reg.ease_weight[reg.trunk_top])[:, None]
    out[reg.sleeve] += normals[reg.sleeve] * (0.5 * ease)
    if outfit.bottoms == "trousers":
        out[reg.bottoms] += normals[reg.bottoms] * 0.012
    up = mid_shoulder - mid_hip
    up = up / np.linalg.norm(up)
    back = np.cross(up, [1.0, 0.0, 0.0])
    idx = np.flatnonzero(reg.trunk_top)
    profile = reg.midline[idx]
    rel = out[idx] - mid_hip
    s = rel @ up
    for direction in (back, -back):
        p = rel @ direction
        push = _bridge(s, p, profile, cap=0.12)
        out[idx] += push[:, None] * direction
    return out
