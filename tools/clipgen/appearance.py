"""Clothing colours per vertex, chosen from the rest pose (shirt, trousers, shoes, skin)."""

from __future__ import annotations

import numpy as np

SKIN_TONES = ((224, 172, 140), (198, 134, 100), (141, 85, 56), (241, 194, 165))
SHIRTS = ((40, 90, 160), (170, 40, 50), (60, 120, 70), (90, 90, 95), (200, 150, 40))
TROUSERS = ((30, 30, 35), (50, 60, 90), (90, 70, 60), (60, 60, 60))
SHOES = ((240, 240, 240), (20, 20, 20))


def vertex_colours(rest_vertices: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(V, 4) uint8 RGBA: a plain outfit whose regions come from rest-pose geometry.

    The rest pose is a T-pose with z up and the pelvis at z = 0: the torso band above the
    pelvis is the shirt (with short sleeves), the legs are trousers, the feet shoes.
    """
    x, z = np.abs(rest_vertices[:, 0]), rest_vertices[:, 2]
    top, bottom = rest_vertices[:, 2].max(), rest_vertices[:, 2].min()
    height = top - bottom
    colours = np.empty((len(rest_vertices), 4), np.uint8)
    colours[:] = (*SKIN_TONES[rng.integers(len(SKIN_TONES))], 255)
    shoulder_z = bottom + 0.82 * height
    shirt = (
        (z > -0.02) & (z < shoulder_z + 0.05) & ((x < 0.24) | ((x < 0.34) & (z > shoulder_z - 0.1)))
    )
    trousers = (z <= -0.02) & (z > bottom + 0.07)
    shoes = z <= bottom + 0.07
    colours[shirt, :3] = SHIRTS[rng.integers(len(SHIRTS))]
    colours[trousers, :3] = TROUSERS[rng.integers(len(TROUSERS))]
    colours[shoes, :3] = SHOES[rng.integers(len(SHOES))]
    return colours
