"""The body as lines and dots, with the working leg (the one being stretched) in colour."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.landmarks import SKELETON_EDGES, Landmark, Side, sided
from posecoach.render.style import DARK, HIGHLIGHT, WHITE, Color, unit
from posecoach.types import FrameRecord

WORKING_JOINTS = ("hip", "knee", "ankle", "heel", "foot")


def working_leg(side: Side) -> frozenset[Landmark]:
    return frozenset(sided(joint, side) for joint in WORKING_JOINTS)


class SkeletonAnnotator:
    """Draws the record's pose; the working leg (record.metrics.side) is drawn thicker in
    the highlight colour.

    Landmarks below `min_visibility` or NaN are left out, with every edge touching them.
    """

    def __init__(
        self,
        color: Color = WHITE,
        highlight: Color = HIGHLIGHT,
        thickness: float = 4.0,
        highlight_thickness: float = 8.0,
        min_visibility: float = 0.5,
    ):
        self.color = color
        self.highlight = highlight
        self.thickness = thickness
        self.highlight_thickness = highlight_thickness
        self.min_visibility = min_visibility

    def annotate(self, image: np.ndarray, record: FrameRecord) -> np.ndarray:
        pose = record.pose
        if pose is None:
            return image
        side = record.metrics.side if record.metrics is not None else None
        u = unit(image)
        seen = np.all(np.isfinite(pose.xy), axis=1) & (pose.visibility >= self.min_visibility)
        leg = working_leg(side) if side is not None else frozenset()
        # Plain limbs first, so the working leg is drawn on top where they cross.
        for on_leg in (False, True):
            color = self.highlight if on_leg else self.color
            width = max(1, round((self.highlight_thickness if on_leg else self.thickness) * u))
            for a, b in SKELETON_EDGES:
                if (a in leg and b in leg) != on_leg or not (seen[a] and seen[b]):
                    continue
                pa, pb = _px(pose.xy[a]), _px(pose.xy[b])
                cv2.line(image, pa, pb, DARK, width + max(2, round(2 * u)), cv2.LINE_AA)
                cv2.line(image, pa, pb, color, width, cv2.LINE_AA)
        for i in np.flatnonzero(seen[11:]) + 11:  # body joints only, not the face
            on_leg = Landmark(i) in leg
            radius = max(2, round((7.0 if on_leg else 5.0) * u))
            cv2.circle(image, _px(pose.xy[i]), radius, self.highlight if on_leg else self.color,
                       -1, cv2.LINE_AA)
        return image


def _px(point: np.ndarray) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))
