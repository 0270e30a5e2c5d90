"""Pure numpy angle maths for the sagittal plane seen by a side-on camera.

Conventions used by every function here:

* Points and vectors are pixel coordinates in the image: x to the right, y DOWN.
  Functions accept a single vector of shape (2,) or a stack of shape (..., 2) and
  broadcast; they return a float for a single input and an array otherwise.
* Angles are degrees. NaN inputs give NaN outputs (never 0).
* `facing` is +1 when the body, stood upright where it is, would face image-right
  (equivalently: the camera sees the person's RIGHT side, since x right, y down,
  depth away from the camera is right-handed) and -1 when it would face image-left
  (the camera sees the LEFT side). It is a chirality, so it also means something
  for lying bodies: a supine body with its head on the image-left has facing +1.
* The body frame of a side view has two axes: "up" (world vertical, against image y)
  and "anterior" (the horizontal direction the person faces: +x image when facing=+1).
  `to_body_frame` returns (anterior, up) components, after which every formula is the
  same for both facing directions, so no value flips sign when the person turns round.
"""

from __future__ import annotations

import math

import numpy as np

ArrayLike = np.ndarray | float


def _out(value: np.ndarray) -> ArrayLike:
    """A float for 0-d results, the array otherwise."""
    return float(value) if np.ndim(value) == 0 else value


def wrap_deg(angle: ArrayLike) -> ArrayLike:
    """Wrap degrees into [-180, 180)."""
    a = np.asarray(angle, dtype=float)
    return _out((a + 180.0) % 360.0 - 180.0)


def _single(v) -> bool:
    """Whether `v` is one float vector (the metrics' usual case, worth a short path:
    numpy's general one costs several microseconds a call, ~50 calls a frame)."""
    return type(v) is np.ndarray and v.ndim == 1 and v.dtype == np.float64


def norm(v: np.ndarray) -> ArrayLike:
    """Euclidean length of (..., 2) or (..., 3) vectors."""
    if _single(v) and len(v) <= 3:
        # The same sum of squares in the same order as numpy's, so the same float.
        total = 0.0
        for c in v.tolist():
            total += c * c
        return math.sqrt(total)
    return _out(np.linalg.norm(np.asarray(v, dtype=float), axis=-1))


def cross2(u: np.ndarray, v: np.ndarray) -> ArrayLike:
    """z of the 2-D cross product u x v = ux*vy - uy*vx for (..., 2) vectors.

    In image coordinates (y down) a positive value means v is turned CLOCKWISE on
    screen from u.
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    return _out(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])


def angle_between(u: np.ndarray, v: np.ndarray) -> ArrayLike:
    """Unsigned angle between vectors u and v, in [0, 180].

    Formula: atan2(|u x v|, u . v), which stays accurate near 0 and 180 (unlike acos).
    A zero-length vector gives NaN.
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    dot = np.sum(u * v, axis=-1)
    crs = np.abs(np.asarray(cross2(u, v)))
    degenerate = (np.linalg.norm(u, axis=-1) == 0) | (np.linalg.norm(v, axis=-1) == 0)
    out = np.degrees(np.arctan2(crs, dot))
    return _out(np.where(degenerate, np.nan, out))


def joint_flexion(proximal: np.ndarray, joint: np.ndarray, distal: np.ndarray) -> ArrayLike:
    """Flexion at `joint` of the chain proximal -> joint -> distal, in [0, 180].

    Formula: angle between (joint - proximal) and (distal - joint), i.e.
    180 - the interior angle. 0 = straight chain; 90 = right angle. Unsigned: it does
    not say which way the chain bends (use `cross2` for that).
    Example: knee flexion = joint_flexion(hip, knee, ankle).
    """
    p = np.asarray(proximal, dtype=float)
    j = np.asarray(joint, dtype=float)
    d = np.asarray(distal, dtype=float)
    return angle_between(j - p, d - j)


def to_body_frame(v: np.ndarray, facing: int) -> np.ndarray:
    """Image vector(s) (..., 2) -> (anterior, up) components (..., 2).

    anterior = facing * x ; up = -y (image y points down). facing must be +1 or -1.
    """
    if facing not in (1, -1):
        raise ValueError(f"facing must be +1 or -1, got {facing}")
    if _single(v) and len(v) == 2:
        return np.array([facing * v[0], -v[1]])
    v = np.asarray(v, dtype=float)
    return np.stack([facing * v[..., 0], -v[..., 1]], axis=-1)


def from_body_frame(b: np.ndarray, facing: int) -> np.ndarray:
    """Inverse of `to_body_frame`: (anterior, up) -> image (x, y)."""
    b = np.asarray(b, dtype=float)
    return np.stack([facing * b[..., 0], -b[..., 1]], axis=-1)


def inclination_from_up(v: np.ndarray, facing: int) -> ArrayLike:
    """Signed angle of vector v from the world vertical UP, in [-180, 180).

    Formula: atan2(-anterior, up) in the body frame. 0 = v points straight up;
    positive = v tilts POSTERIORLY (backwards); +90 = v points straight back.
    Example: trunk_inclination = inclination_from_up(mid_shoulder - mid_hip, facing).
    """
    b = to_body_frame(v, facing)
    return _out(np.degrees(np.arctan2(-b[..., 0], b[..., 1])))


def inclination_from_down(v: np.ndarray, facing: int) -> ArrayLike:
    """Signed angle of vector v from the world vertical DOWN, in [-180, 180).

    Formula: atan2(-anterior, -up) in the body frame. 0 = v points straight down;
    positive = v swings POSTERIORLY (the tip behind the origin); -90 = straight forward.
    Example: thigh_to_vertical = inclination_from_down(knee - hip, facing).
    """
    b = to_body_frame(v, facing)
    return _out(np.degrees(np.arctan2(-b[..., 0], -b[..., 1])))


def direction_from_down(angle_deg: float, facing: int) -> np.ndarray:
    """Unit image vector at `angle_deg` from the vertical DOWN (the inverse of
    `inclination_from_down`: positive swings posteriorly)."""
    a = math.radians(angle_deg)
    return from_body_frame(np.array([-math.sin(a), -math.cos(a)]), facing)


def elevation(v: np.ndarray) -> ArrayLike:
    """Signed angle of vector v above the horizontal, in [-90, 90].

    Formula: atan2(-y, |x|) in image coordinates. Positive = the tip is above the
    origin, negative = below, whichever horizontal way v points (so it does not
    depend on facing). Example: thigh_to_horizontal = elevation(knee - hip).
    """
    v = np.asarray(v, dtype=float)
    return _out(np.degrees(np.arctan2(-v[..., 1], np.abs(v[..., 0]))))


def extension_from_line(line: np.ndarray, segment: np.ndarray, facing: int) -> ArrayLike:
    """Signed angle of `segment` from the continuation of `line`, in [-180, 180).

    Both are image vectors; `line` points the way the segment would continue when
    the angle is 0 (e.g. trunk line mid-shoulder -> mid-hip, continued past the hip).
    Formula: inclination_from_down(segment) - inclination_from_down(line), wrapped.
    Positive = the segment is rotated POSTERIORLY from the line (extension for a
    thigh against the trunk); negative = anteriorly (flexion).
    Example: hip_extension = extension_from_line(mid_hip - mid_shoulder, knee - hip, facing).
    """
    a = np.asarray(inclination_from_down(segment, facing))
    b = np.asarray(inclination_from_down(line, facing))
    return wrap_deg(a - b)


def rotate_deg(v: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate image vector(s) by `angle_deg` CLOCKWISE on screen (y down)."""
    t = np.radians(angle_deg)
    c, s = np.cos(t), np.sin(t)
    if _single(v) and len(v) == 2:
        return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])
    v = np.asarray(v, dtype=float)
    return np.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1]], axis=-1)


def anterior_of(axis_up: np.ndarray, facing: int) -> np.ndarray:
    """Unit image vector pointing anteriorly, perpendicular to a body axis.

    `axis_up` is a superior-pointing body axis (e.g. mid-hip -> mid-shoulder). The
    anterior direction is that axis turned 90 degrees clockwise on screen when
    facing = +1 and counter-clockwise when facing = -1 (for an upright body facing
    image-right: up (0,-1) -> (1, 0)). Works for lying bodies too (supine: up).
    """
    a = np.asarray(axis_up, dtype=float)
    unit = a / np.linalg.norm(a, axis=-1, keepdims=True)
    return rotate_deg(unit, 90.0 * facing)


def point_line_offset(point: np.ndarray, origin: np.ndarray, direction: np.ndarray) -> ArrayLike:
    """Signed perpendicular distance of `point` from the line origin + t*direction.

    Positive = the point is CLOCKWISE on screen from the direction (cross2 sign).
    """
    d = np.asarray(direction, dtype=float)
    unit = d / np.linalg.norm(d, axis=-1, keepdims=True)
    return cross2(unit, np.asarray(point, dtype=float) - np.asarray(origin, dtype=float))
