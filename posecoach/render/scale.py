"""Drawing at the displayed size: fit the picture into a window's size (black bars where
the shapes differ) and move the record's pixel geometry with it, so the overlay is drawn
once, sharp, at the size it is seen, using the whole window (a window scaling a small
picture up would blur its text and keep it small)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from posecoach.types import FrameRecord, HipGeometry, Pose


def fit_size(image_size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of an image of `image_size` scaled to fit `box`, keeping its shape."""
    w, h = image_size
    bw, bh = box
    if w <= 0 or h <= 0 or bw <= 0 or bh <= 0:
        return w, h
    s = min(bw / w, bh / h)
    return max(1, round(w * s)), max(1, round(h * s))


def placement(image_size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the picture fitted and centred in `box`."""
    w, h = fit_size(image_size, box)
    return (box[0] - w) // 2, (box[1] - h) // 2, w, h


def _moved_pose(pose: Pose, rect: tuple[int, int, int, int], box: tuple[int, int]) -> Pose:
    x, y, w, h = rect
    s = w / pose.image_size[0]
    xy = pose.xy * s + np.array([x, y])
    mask = None
    if pose.mask is not None:
        mask = np.zeros((box[1], box[0]), pose.mask.dtype)
        mask[y:y + h, x:x + w] = cv2.resize(pose.mask, (w, h), interpolation=cv2.INTER_NEAREST)
    return dataclasses.replace(pose, xy=xy, image_size=tuple(box), mask=mask)


def move_record(record: FrameRecord, rect: tuple[int, int, int, int], box: tuple[int, int]
                ) -> FrameRecord:
    """The record as seen when its picture is scaled into `rect` of a `box`-sized canvas:
    the pose and the hip angle's geometry (directions are unchanged by a uniform scale)."""
    if record.pose is None:
        return record
    s = rect[2] / record.pose.image_size[0]
    metrics = record.metrics
    if metrics is not None and metrics.hip_geometry is not None:
        g = metrics.hip_geometry
        hip = g.hip * s + np.array(rect[:2], float)
        metrics = dataclasses.replace(
            metrics, hip_geometry=HipGeometry(hip, g.trunk_dir, g.thigh_dir))
    return dataclasses.replace(record, pose=_moved_pose(record.pose, rect, box),
                               metrics=metrics)


def fit_to(image: np.ndarray, record: FrameRecord, box: tuple[int, int] | None
           ) -> tuple[np.ndarray, FrameRecord]:
    """A `box`-sized (width, height) canvas with `image` scaled to fit, centred on black
    (the overlay then uses the whole window, bars included), and `record` moved with it.
    Unchanged when box is None or already the image's size."""
    h, w = image.shape[:2]
    if box is None or tuple(box) == (w, h):
        return image, record
    rect = placement((w, h), box)
    x, y, fw, fh = rect
    canvas = np.zeros((box[1], box[0], 3), np.uint8)
    interp = cv2.INTER_AREA if fw < w else cv2.INTER_LINEAR
    canvas[y:y + fh, x:x + fw] = cv2.resize(image, (fw, fh), interpolation=interp)
    return canvas, move_record(record, rect, box)


def unfit(canvas: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """The picture part of a `fit_to` canvas, back at `image_size` (for recordings)."""
    h, w = canvas.shape[:2]
    if (w, h) == tuple(image_size):
        return canvas
    x, y, fw, fh = placement(image_size, (w, h))
    return cv2.resize(canvas[y:y + fh, x:x + fw], image_size, interpolation=cv2.INTER_AREA)
