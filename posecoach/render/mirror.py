"""Selfie view: flip the picture, and the pose with it, before anything is drawn.

Drawing happens after the flip, so text is never mirrored. Only x changes: the
person's own left leg stays their left leg (Side is anatomical, not the image's).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from posecoach.types import Pose


def mirror_image(image: np.ndarray) -> np.ndarray:
    return cv2.flip(image, 1)


def mirror_pose(pose: Pose) -> Pose:
    """The same pose in the horizontally flipped image (x -> width - x)."""
    width = pose.image_size[0]
    xy = pose.xy.copy()
    xy[:, 0] = width - xy[:, 0]
    mask = None if pose.mask is None else np.ascontiguousarray(pose.mask[:, ::-1])
    return dataclasses.replace(pose, xy=xy, mask=mask)
