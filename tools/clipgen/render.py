"""Offscreen rendering of the posed body (pyrender through OSMesa) and the matching
pinhole projection, so ground-truth joints land on the pixels the renderer draws."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
# pyrender's OSMesa context needs this binding; pyrender itself pins an older one.
OSMESA_PYOPENGL = (3, 1, 5)


def require_osmesa_opengl() -> None:
    """Exit with one line when pyrender cannot get an OSMesa context: the system library
    is missing, or the installed PyOpenGL is too old (pyrender 0.1.45 pulls in 3.1.0,
    which lacks OSMesaCreateContextAttribs)."""
    import ctypes.util
    from importlib.metadata import PackageNotFoundError, version

    if os.environ.get("PYOPENGL_PLATFORM") != "osmesa":
        return
    if ctypes.util.find_library("OSMesa") is None:
        raise SystemExit("clipgen: the OSMesa library is not installed; "
                         "run: apt-get install libosmesa6")

    try:
        found = version("PyOpenGL")
    except PackageNotFoundError:
        found = "none"
    parts = tuple(int(p) for p in found.split(".")[:3] if p.isdigit())
    if parts < OSMESA_PYOPENGL:
        raise SystemExit(
            f"clipgen: PyOpenGL {found} cannot render through OSMesa; "
            "run: pip install 'PyOpenGL==3.1.7' (after the synth extra)"
        )


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking at `target` from `position` (metres, world z up)."""

    position: tuple[float, float, float]
    target: tuple[float, float, float]
    yfov_deg: float = 45.0
    size: tuple[int, int] = (960, 540)

    def pose(self) -> np.ndarray:
        """Camera-to-world 4x4 in OpenGL convention (looks along -z, y up)."""
        eye, target = np.array(self.position, float), np.array(self.target, float)
        forward = target - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, up, -forward, eye
        return pose

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) -> pixel coordinates (N, 2), x right, y down."""
        width, height = self.size
        world_to_cam = np.linalg.inv(self.pose())
        p = (world_to_cam[:3, :3] @ np.asarray(points, float).T).T + world_to_cam[:3, 3]
        f = (height / 2.0) / np.tan(np.radians(self.yfov_deg) / 2.0)
        x = width / 2.0 + f * p[:, 0] / -p[:, 2]
        y = height / 2.0 - f * p[:, 1] / -p[:, 2]
        return np.stack([x, y], axis=1)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box (a bench, a cushion, the floor or a wall): centre, size, colour."""

    centre: tuple[float, float, float]
    size: tuple[float, float, float]
    colour: tuple[int, int, int]


def room_mesh(trimesh, boxes: list[Box]):
    """Every box of the room as one mesh. pyrender keeps a scene's meshes in a set and
    draws them in that set's order, which changes from run to run; where two boxes meet,
    the depth test then lets a different box win a few pixels, and the clip's encoded
    frames differ everywhere. One mesh is one draw call in a fixed triangle order."""
    meshes = []
    for box in boxes:
        mesh = trimesh.creation.box(extents=box.size)
        mesh.apply_translation(box.centre)
        mesh.visual.face_colors = [*box.colour, 255]
        meshes.append(mesh)
    return trimesh.util.concatenate(meshes)


class Renderer:
    """Renders one body mesh among static boxes from a fixed camera, frame after frame."""

    def __init__(self, camera: Camera, faces: np.ndarray, boxes: list[Box], seed: int):
        require_osmesa_opengl()
        import pyrender
        import trimesh

        self._pyrender, self._trimesh = pyrender, trimesh
        self.camera = camera
        self.faces = faces
        self.scene = pyrender.Scene(bg_color=[0.8, 0.8, 0.8, 1.0], ambient_light=[0.35] * 3)
        if boxes:
            self.scene.add(pyrender.Mesh.from_trimesh(room_mesh(trimesh, boxes), smooth=False))
        cam = pyrender.PerspectiveCamera(
            yfov=np.radians(camera.yfov_deg), aspectRatio=camera.size[0] / camera.size[1]
        )
        self.camera_node = self.scene.add(cam, pose=camera.pose())
        rng = np.random.default_rng(seed)
        key = Camera(
            position=tuple(np.array(camera.position) + [0.0, rng.uniform(-1.5, 1.5), 2.0]),
            target=camera.target,
        )
        self.scene.add(pyrender.DirectionalLight(intensity=3.0), pose=key.pose())
        self.scene.add(pyrender.PointLight(intensity=8.0), pose=camera.pose())
        self.body_node = None
        self.viewer = pyrender.OffscreenRenderer(*camera.size)

    def move_camera(self, camera: Camera) -> None:
        """Point the camera elsewhere (a pan); the intrinsics stay."""
        self.camera = camera
        self.scene.set_pose(self.camera_node, camera.pose())

    def render(self, vertices: np.ndarray, colours: np.ndarray) -> np.ndarray:
        """BGR uint8 image of the body with per-vertex RGB(A) colours.

        The body is one pyrender primitive created on the first frame; later frames
        overwrite its vertex buffer in place. (Replacing the mesh every frame leaks
        several MB per frame through OSMesa.)
        """
        normals = vertex_normals(vertices, self.faces)
        if self.body_node is None:
            self._primitive = self._pyrender.Primitive(
                positions=vertices.astype(np.float32),
                normals=normals.astype(np.float32),
                indices=self.faces.astype(np.uint32),
                color_0=colours.astype(np.float32) / 255.0,
            )
            self._colours = colours.astype(np.float32) / 255.0
            self.body_node = self.scene.add(self._pyrender.Mesh([self._primitive]))
        else:
            self._upload(vertices, normals)
        rgb, _ = self.viewer.render(self.scene)
        return np.ascontiguousarray(rgb[:, :, ::-1])

    def _upload(self, vertices: np.ndarray, normals: np.ndarray) -> None:
        from OpenGL import GL

        self._primitive.positions = vertices.astype(np.float32)
        data = np.hstack((vertices, normals, self._colours)).astype(np.float32).ravel()
        self.viewer._platform.make_current()
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._primitive._buffers[0])
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)

    def close(self) -> None:
        self.viewer.delete()


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals (V, 3)."""
    tri = vertices[faces]
    face_normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = np.zeros_like(vertices)
    for corner in range(3):
        np.add.at(normals, faces[:, corner], face_normals)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.maximum(length, 1e-12)
