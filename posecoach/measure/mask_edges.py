"""Reading the person's segmentation mask along probe lines: where its edge is.

Both mask-based estimates (the back outline of `posecoach.measure.pelvis`, the thigh outline of
`posecoach.measure.thigh`) walk from a point inside the body in a straight line, in fixed steps,
until the mask drops below MASK_THRESHOLD. The mask is a soft probability, so the edge
is placed between the last step inside and the first outside, where the mask crosses
the threshold: one pixel is about 0.006 trunk lengths at the sample clips' scale, which
the pelvis models would read as more than a degree.
"""

from __future__ import annotations

import cv2
import numpy as np

MASK_THRESHOLD = 0.5


def sample_mask(mask: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Mask value at pixel positions (..., 2), bilinear between pixel centres, 0 outside
    the mask (and at NaN positions).

    cv2.remap does the interpolation: about fifteen times faster than the same bilinear
    sum in numpy for the ~1000-4000 probe points a frame reads (measured on 960x540
    masks), and equal to it within 3e-5."""
    xy = np.asarray(xy, dtype=np.float32)
    flat = xy.reshape(1, -1, 2)
    # Beyond the border by more than a pixel: OpenCV's constant border gives 0 there.
    flat = np.where(np.isfinite(flat), flat, np.float32(-2.0))
    source = mask if mask.dtype == np.float32 else mask.astype(np.float32)
    values = cv2.remap(
        source, flat, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0
    )
    h, w = mask.shape
    x, y = flat[..., 0], flat[..., 1]
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    return np.where(inside, values, 0.0).astype(float).reshape(xy.shape[:-1])


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
