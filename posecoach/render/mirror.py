"""Selfie view: flip the picture, and the pose with it, before anything is drawn.

Drawing happens after the flip, so text is never mirrored. Only x changes: the
person's own left leg stays their left leg (Side is anatomical, not the image's).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from posecoach.types import FrameRecord, Pose


def mirror_image(image: np.ndarray) -> np.ndarray:
    return cv2.flip(image, 1)


def mirror_pose(pose: Pose) -> Pose:
    """The same pose in the horizontally flipped image (x -> width - x)."""
    width = pose.image_size[0]
    xy = pose.xy.copy()
    xy[:, 0] = width - xy[:, 0]
    mask = None if pose.mask is None else np.ascontiguousarray(pose.mask[:, ::-1])
    return dataclasses.replace(pose, xy=xy, mask=mask)


def mirror_record(record: FrameRecord) -> FrameRecord:
    """The record as seen in the flipped image: its pose and the hip angle's geometry."""
    if record.pose is None:
        return record
    metrics = record.metrics
    if metrics is not None and metrics.hip_geometry is not None:
        geometry = metrics.hip_geometry.mirrored(record.pose.image_size[0])
        metrics = dataclasses.replace(metrics, hip_geometry=geometry)
    return dataclasses.replace(record, pose=mirror_pose(record.pose), metrics=metrics)
