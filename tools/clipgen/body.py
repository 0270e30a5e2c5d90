"""The posable body: anny's parametric human, posed by sagittal joint angles.

All the stretches happen in the sagittal plane, so a pose is a rotation about the body's
medio-lateral axis (x) per joint, plus the arms' abduction. In anny's default model z is
up, the body faces -y, and a positive rotation about x moves a thigh's knee backwards
(extension), a shank's ankle backwards (knee flexion) and the trunk forwards (flexion).

Deltas use anny's "local-ref" parameterisation: each bone's delta is a rotation in
world-aligned axes applied after its parent's, so sagittal angles simply add along a chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Bones whose heads are the joint centres the ground truth refers to (DOMAIN.md):
# hip = femoral head = head of upperleg01; knee = head of lowerleg01; ankle = head of foot;
# shoulder = glenohumeral centre = head of upperarm01.
JOINT_BONES = {
    "hip": "upperleg01",
    "knee": "lowerleg01",
    "ankle": "foot",
    "toe": "toe3-1",
    "shoulder": "upperarm01",
}
LUMBAR_BONES = ("spine05", "spine04", "spine03")  # spine03 = upper lumbar
THORACIC_BONES = ("spine02", "spine01")
UPPER_LUMBAR = "spine03"
PELVIS = "root"


def rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


@dataclass(frozen=True)
class Shape:
    """anny phenotype values in [0, 1] (0.5 = average)."""

    gender: float = 0.5
    age: float = 0.5
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5

    def kwargs(self) -> dict[str, float]:
        return dict(self.__dict__)


class Body:
    """An anny body of one shape: rest skeleton, forward kinematics, posed meshes."""

    def __init__(self, shape: Shape):
        import anny
        import torch

        self._torch = torch
        self.shape = shape
        self.model = anny.Anny()
        self.labels: list[str] = list(self.model.bone_labels)
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.parents = np.array(self.model.bone_parents).astype(int)
        self.order = self._topological_order()
        self.faces = self.model.get_triangular_faces().numpy()
        # The rest skeleton as anny poses it with identity deltas (its "rest_bone_heads"
        # output is the unposed template, a few cm away from the posed rest).
        vertices, poses = self.pose_batch([{}], [np.zeros(3)])
        self.rest_heads = poses[0, :, :3, 3]
        self.rest_rotations = poses[0, :, :3, :3]
        self.rest_vertices = vertices[0]

    def _topological_order(self) -> list[int]:
        depth = np.zeros(len(self.labels), int)
        for i in range(len(self.labels)):
            j, d = i, 0
            while j != 0 and d < 200:
                j, d = int(self.parents[j]), d + 1
            depth[i] = d
        return list(np.argsort(depth, kind="stable"))

    def bone(self, name: str) -> int:
        return self.index[name]

    def joint(self, joint: str, side: str) -> int:
        return self.index[f"{JOINT_BONES[joint]}.{side}"]

    def forward_kinematics(
        self, rotations: dict[str, np.ndarray], root_translation: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bone heads (J, 3) and accumulated rotations (J, 3, 3) for per-bone deltas.

        Mirrors anny's local-ref chain (rest orientations as reference): used to plan
        contacts; the ground truth itself is read from anny's own posed skeleton.
        """
        n = len(self.labels)
        heads = np.zeros((n, 3))
        acc = np.zeros((n, 3, 3))
        for i in self.order:
            delta = rotations.get(self.labels[i], np.eye(3))
            if i == 0:
                acc[0] = delta
                heads[0] = root_translation + self.rest_heads[0]
                continue
            p = int(self.parents[i])
            acc[i] = acc[p] @ delta
            heads[i] = heads[p] + acc[p] @ (self.rest_heads[i] - self.rest_heads[p])
        return heads, acc

    def pose_batch(
        self, rotations: list[dict[str, np.ndarray]], translations: list[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """anny's posed vertices (B, V, 3) and bone poses (B, J, 4, 4) for a batch."""
        torch = self._torch
        batch = len(rotations)
        deltas = np.tile(np.eye(4), (batch, len(self.labels), 1, 1))
        for b, (rots, trans) in enumerate(zip(rotations, translations, strict=True)):
            for name, rot in rots.items():
                deltas[b, self.index[name], :3, :3] = rot
            deltas[b, 0, :3, 3] = trans
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.as_tensor(deltas, dtype=torch.float32),
                phenotype_kwargs={
                    k: torch.full((batch,), v) for k, v in self.shape.kwargs().items()
                },
            )
        return out["vertices"].double().numpy(), out["bone_poses"].double().numpy()
