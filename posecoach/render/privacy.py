"""Face blurring for every image and video posecoach exports (`--blur-faces`).

The face is located from the pose's face landmarks (0-10: nose, eyes, ears, mouth), padded
to cover the whole head, and pixelated then blurred: pixelation throws the detail away
(a plain Gaussian can sometimes be partly undone), the blur hides the block edges.
"""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.landmarks import Landmark
from posecoach.types import Pose

FACE_LANDMARKS = tuple(range(int(Landmark.MOUTH_RIGHT) + 1))  # 0..10
_SHOULDERS = (int(Landmark.LEFT_SHOULDER), int(Landmark.RIGHT_SHOULDER))
# Semi-axes of the blurred ellipse in units of the head radius estimate: a little taller
# than wide, because the face landmarks sit low on the head (no landmark on the crown).
_AXES = (1.35, 1.6)
_PIXEL_BLOCKS = 8  # pixelation blocks across the face: no feature survives at this size


def face_ellipse(pose: Pose) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(centre, semi-axes) in pixels of the padded head region, or None if no face point.

    The head radius is the largest of: half the spread of the face points, 45% of the nose
    to mid-shoulder distance (the face points bunch up in a side view), and 2% of the image
    diagonal (so a tiny, far-away face is still covered).
    """
    pts = pose.xy[list(FACE_LANDMARKS)]
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) == 0:
        return None
    centre = pts.mean(axis=0)
    spread = float(np.max(np.ptp(pts, axis=0))) if len(pts) > 1 else 0.0
    w, h = pose.image_size
    radius = max(spread / 2.0, 0.02 * float(np.hypot(w, h)))
    shoulders = pose.xy[list(_SHOULDERS)]
    shoulders = shoulders[np.all(np.isfinite(shoulders), axis=1)]
    if len(shoulders):
        radius = max(radius, 0.45 * float(np.linalg.norm(shoulders.mean(axis=0) - centre)))
    # The face points sit below the crown: shift the centre up a little.
    centre = centre - np.array([0.0, 0.25 * radius])
    axes = (int(round(_AXES[0] * radius)), int(round(_AXES[1] * radius)))
    return (int(round(centre[0])), int(round(centre[1]))), axes


def blur_face(image: np.ndarray, pose: Pose | None) -> np.ndarray:
    """A copy of `image` (BGR or grey uint8) with the face region made unrecognisable.

    Pixels outside the padded head ellipse are unchanged. Returns an unchanged copy when
    there is no pose or no face landmark: the caller decides whether that is acceptable.
    """
    out = image.copy()
    region = face_ellipse(pose) if pose is not None else None
    if region is None:
        return out
    (cx, cy), (ax, ay) = region
    h, w = image.shape[:2]
    x0, x1 = max(0, cx - ax), min(w, cx + ax + 1)
    y0, y1 = max(0, cy - ay), min(h, cy + ay + 1)
    if x1 <= x0 or y1 <= y0:
        return out
    patch = image[y0:y1, x0:x1]
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.ellipse(mask, (cx - x0, cy - y0), (ax, ay), 0, 0, 360, 255, thickness=-1)
    hidden = _obscure(patch)
    inside = mask > 0
    out[y0:y1, x0:x1][inside] = hidden[inside]
    return out


def _obscure(patch: np.ndarray) -> np.ndarray:
    ph, pw = patch.shape[:2]
    small_w = max(1, min(pw, _PIXEL_BLOCKS))
    small_h = max(1, min(ph, round(_PIXEL_BLOCKS * ph / max(pw, 1))))
    small = cv2.resize(patch, (small_w, small_h), interpolation=cv2.INTER_AREA)
    blocky = cv2.resize(small, (pw, ph), interpolation=cv2.INTER_NEAREST)
    k = max(3, (min(pw, ph) // 4) | 1)  # odd kernel about a quarter of the face
    return cv2.GaussianBlur(blocky, (k, k), 0)
