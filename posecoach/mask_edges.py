"""Reading the person's segmentation mask along probe lines: where its edge is.

Both mask-based estimates (the back outline of `posecoach.pelvis`, the thigh outline of
`posecoach.thigh`) walk from a point inside the body in a straight line, in fixed steps,
until the mask drops below MASK_THRESHOLD. The mask is a soft probability, so the edge
is placed between the last step inside and the first outside, where the mask crosses
the threshold: one pixel is about 0.006 trunk lengths at the sample clips' scale, which
the pelvis models would read as more than a degree.
"""

from __future__ import annotations

import numpy as np

MASK_THRESHOLD = 0.5


def sample_mask(mask: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Mask value at pixel positions (..., 2), bilinear between pixel centres, 0 outside
    the mask."""
    h, w = mask.shape
    x, y = xy[..., 0], xy[..., 1]
    inside = np.isfinite(x) & np.isfinite(y) & (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    x = np.where(inside, x, 0.0)
    y = np.where(inside, y, 0.0)
    x0 = np.minimum(np.floor(x).astype(int), w - 2) if w > 1 else np.zeros(x.shape, int)
    y0 = np.minimum(np.floor(y).astype(int), h - 2) if h > 1 else np.zeros(y.shape, int)
    fx = np.clip(x - x0, 0.0, 1.0)
    fy = np.clip(y - y0, 0.0, 1.0)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    top = mask[y0, x0] * (1 - fx) + mask[y0, x1] * fx
    bottom = mask[y1, x0] * (1 - fx) + mask[y1, x1] * fx
    return np.where(inside, top * (1 - fy) + bottom * fy, 0.0)


def edge_distance(values: np.ndarray, step: float) -> np.ndarray:
    """Distance to the first edge along each probe line (the last axis of `values`: the
    mask sampled at 0, step, 2 step, ...), in the units of `step`; NaN when the line does
    not start inside the body or never leaves it."""
    inside = values >= MASK_THRESHOLD
    outside = ~inside
    first_out = np.argmax(outside, axis=-1)
    valid = inside[..., 0] & outside.any(axis=-1)
    last_in = np.maximum(first_out - 1, 0)
    v_in = np.take_along_axis(values, last_in[..., None], axis=-1)[..., 0]
    v_out = np.take_along_axis(values, first_out[..., None], axis=-1)[..., 0]
    drop = np.where(v_in > v_out, v_in - v_out, 1.0)
    frac = np.clip((v_in - MASK_THRESHOLD) / drop, 0.0, 1.0)
    return np.where(valid, (last_in + frac) * step, np.nan)
