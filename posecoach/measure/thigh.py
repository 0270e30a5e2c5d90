"""The working thigh's direction from its outline in the segmentation mask.

Why not just hip -> knee: BlazePose's hip and knee points under-read a deep kneeling
stretch, by an amount that grows with the stretch and differs between bodies. The
outline of the thigh follows the pixels instead: the midline of the thigh's silhouette
sits at a near-constant angle to the true femur axis, whatever the depth. That constant
is fitted (`Calibration.thigh_outline_offset_deg`, by tools/calibrate/calibrate_metrics.py)
and taken off.

How: across the landmark thigh (hip -> knee) at THIGH_LEVELS of its length, walk
perpendicular both ways from the axis to the mask's 0.5 edge; the middle of each cross
section is a point of the midline; the slope of a straight line through those middles
turns the landmark axis onto the outline's. The hip end is left out (the buttock and
the other thigh join the outline there), and so is the knee (the joint's bulge).

It is used only while the body is upright (kneeling, standing): lying on the floor or a
bench, the landmarks already read the thigh well, and the thighs overlap in a side view
there. A cross section that is too narrow or too wide
for a thigh (e.g. merged with the other leg as it swings past), too few valid cross
sections, or an outline more than MAX_TURN_DEG off the landmark axis: None, and the
caller keeps the landmark axis.
"""

from __future__ import annotations

import numpy as np

from posecoach.measure import geometry as geo
from posecoach.measure.mask_edges import edge_distance, sample_mask

# Cross sections, as fractions of the hip -> knee length from the hip.
THIGH_LEVELS = np.round(np.arange(0.35, 0.851, 0.05), 3)
# How far to walk from the axis each way, and the step, in thigh lengths (the edge is
# placed between steps, see posecoach.measure.mask_edges).
MAX_HALF_WIDTH = 0.5
WIDTH_STEP = 0.01
# A thigh's cross section, in thigh lengths: 0.27-0.43 on the rendered bodies; about
# 0.65-0.7 where the other leg's outline joins it.
MIN_WIDTH, MAX_WIDTH = 0.15, 0.55
MIN_VALID_LEVELS = 8
# The outline's midline may turn the landmark axis by at most this much.
MAX_TURN_DEG = 10.0

_STEPS = np.arange(0.0, MAX_HALF_WIDTH + 1e-9, WIDTH_STEP)


def outline_axis(
    mask: np.ndarray, hip: np.ndarray, knee: np.ndarray, image_size: tuple[int, int]
) -> np.ndarray | None:
    """Unit vector (image pixels) along the midline of the thigh's outline, pointing from
    the hip end to the knee end; None when the outline cannot be trusted (see above).

    hip, knee: the calibrated joint centres in pixels of `image_size`; the mask may have
    another resolution and is sampled in proportion.
    """
    hip = np.asarray(hip, float)
    along = np.asarray(knee, float) - hip
    length = float(geo.norm(along))
    if not np.isfinite(length) or length <= 0:
        return None
    u = along / length
    n = np.array([-u[1], u[0]])
    w, h = image_size
    scale = np.array([mask.shape[1] / w, mask.shape[0] / h])
    centres = hip + THIGH_LEVELS[:, None] * length * u
    # (level, direction +n / -n, step) probe positions.
    offsets = _STEPS * length
    probes = (
        centres[:, None, None, :]
        + np.array([1.0, -1.0])[None, :, None, None] * offsets[None, None, :, None] * n
    )
    ends = edge_distance(sample_mask(mask, probes * scale), WIDTH_STEP)  # (level, way)
    width = ends.sum(axis=1)  # NaN unless both edges were found
    valid = (width >= MIN_WIDTH) & (width <= MAX_WIDTH)
    if valid.sum() < MIN_VALID_LEVELS:
        return None
    # Midline offset along n of each cross section, against the level: its slope turns u.
    middle = (ends[:, 0] - ends[:, 1]) / 2.0
    slope = np.polyfit(THIGH_LEVELS[valid], middle[valid], 1)[0]
    if abs(np.degrees(np.arctan(slope))) > MAX_TURN_DEG:
        return None
    axis = u + slope * n
    return axis / geo.norm(axis)
