"""A faster renderer for many clips: the static room drawn once per clip, the body per frame.

Why: with pyrender on OSMesa (software rasterising), most of a frame's time goes to shading
the floor and wall boxes that fill the image, not to the body. The camera of a corpus clip
does not move, so the room is rendered once (colour and depth) and each frame renders only
the body, then lays it over the room where the body is nearer to the camera than the room
(depth test per pixel, the same test the full render does). pyrender's OSMesa path has no
framebuffer objects, so it renders without multisampling: a full render has hard edges
too, and the composite is the same image up to the depth tie where body and room touch.
The lights are the same in both scenes and pyrender casts no shadows here, so the body's
shading matches a full render.

Also: one OSMesa context (pyrender OffscreenRenderer) serves every clip of a process; a
new context per clip costs seconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from tools.clipgen.render import (
    Box,
    Camera,
    require_osmesa_opengl,
    room_mesh,
    vertex_normals,
)

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

_VIEWERS: dict[tuple[int, int], object] = {}


@dataclass(frozen=True)
class Lighting:
    """Ambient level, a directional key light from above/beside the camera, a point fill
    light at the camera; colours as RGB multipliers in [0, 1]."""

    ambient: float = 0.35
    key_intensity: float = 3.0
    key_offset: tuple[float, float, float] = (0.0, 0.0, 2.0)  # from the camera, m
    key_colour: tuple[float, float, float] = (1.0, 1.0, 1.0)
    fill_intensity: float = 8.0
    fill_colour: tuple[float, float, float] = (1.0, 1.0, 1.0)


def viewer(size: tuple[int, int]):
    """The process's shared offscreen renderer of this image size."""
    require_osmesa_opengl()
    import pyrender

    if size not in _VIEWERS:
        _VIEWERS[size] = pyrender.OffscreenRenderer(*size)
    return _VIEWERS[size]


class CompositeRenderer:
    """Renders one body mesh over a room pre-rendered from a fixed camera."""

    def __init__(self, camera: Camera, faces: np.ndarray, boxes: list[Box], lighting: Lighting):
        import pyrender
        import trimesh

        self._pyrender = pyrender
        self.camera = camera
        self.faces = faces
        self.viewer = viewer(camera.size)
        room = self._scene(lighting, bg=(0.8, 0.8, 0.8, 1.0))
        if boxes:
            room.add(pyrender.Mesh.from_trimesh(room_mesh(trimesh, boxes), smooth=False))
        rgb, depth = self.viewer.render(room)
        self.room_rgb = rgb.copy()
        self.room_depth = depth.copy()
        self.scene = self._scene(lighting, bg=(0.0, 0.0, 0.0, 0.0))
        self.body_node = None

    def _scene(self, lighting: Lighting, bg: tuple[float, float, float, float]):
        pyrender, camera = self._pyrender, self.camera
        scene = pyrender.Scene(bg_color=list(bg), ambient_light=[lighting.ambient] * 3)
        cam = pyrender.PerspectiveCamera(
            yfov=np.radians(camera.yfov_deg), aspectRatio=camera.size[0] / camera.size[1]
        )
        scene.add(cam, pose=camera.pose())
        key = Camera(
            position=tuple(np.array(camera.position) + np.array(lighting.key_offset)),
            target=camera.target,
        )
        scene.add(
            pyrender.DirectionalLight(
                color=list(lighting.key_colour), intensity=lighting.key_intensity
            ),
            pose=key.pose(),
        )
        scene.add(
            pyrender.PointLight(
                color=list(lighting.fill_colour), intensity=lighting.fill_intensity
            ),
            pose=camera.pose(),
        )
        return scene

    def render(self, vertices: np.ndarray, colours: np.ndarray, bgr: bool = True) -> np.ndarray:
        """uint8 image (BGR, or RGB when bgr=False) of the body (per-vertex RGBA colours) in
        the room."""
        pyrender = self._pyrender
        normals = vertex_normals(vertices, self.faces)
        if self.body_node is None:
            self._primitive = pyrender.Primitive(
                positions=vertices.astype(np.float32),
                normals=normals.astype(np.float32),
                indices=self.faces.astype(np.uint32),
                color_0=colours.astype(np.float32) / 255.0,
            )
            self._colours = colours.astype(np.float32) / 255.0
            self.body_node = self.scene.add(pyrender.Mesh([self._primitive]))
        else:
            self._upload(vertices, normals)
        rgb, depth = self.viewer.render(self.scene)
        out = self._composite(rgb, depth)
        return np.ascontiguousarray(out[:, :, ::-1]) if bgr else out

    def _composite(self, rgb: np.ndarray, depth: np.ndarray) -> np.ndarray:
        out = self.room_rgb.copy()
        room = self.room_depth
        body = (depth > 0) & ((room == 0) | (depth <= room))
        out[body] = rgb[body]
        return out

    def _upload(self, vertices: np.ndarray, normals: np.ndarray) -> None:
        from OpenGL import GL

        self._primitive.positions = vertices.astype(np.float32)
        data = np.hstack((vertices, normals, self._colours)).astype(np.float32).ravel()
        self.viewer._platform.make_current()
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self._primitive._buffers[0])
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)

    def close(self) -> None:
        """Drop this clip's scene; the shared context stays for the next clip."""
        self.scene = None
        self.body_node = None
