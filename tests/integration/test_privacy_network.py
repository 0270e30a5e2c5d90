"""Privacy: analysis and live mode never touch the network, nothing listens on a port,
and exported media can have faces blurred.

Three independent witnesses for "no network":
- strace (when available) logs every socket/connect/bind/listen system call of the process
  and its children, native code (MediaPipe, ffmpeg) included: only AF_UNIX is allowed
  (the X display in live mode);
  MediaPipe Tasks' native library posts usage statistics with libcurl; posecoach points
  its proxy at a closed loopback port (estimation.block_native_telemetry), so the only
  non-UNIX connection allowed is that refused one to 127.0.0.1;
- a `sitecustomize` loaded into the process patches socket.connect / connect_ex / bind /
  sendto and socket.create_connection to record and refuse any non-AF_UNIX attempt;
- `unshare -n` (when permitted) runs the command in a network namespace with no network
  at all: it must still succeed.
posecoach has no server; the live run is checked for listening sockets while it runs.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.model

POSECOACH = [sys.executable, "-m", "posecoach"]

GUARD = '''
import os, socket

_LOG = os.environ["POSECOACH_NET_LOG"]


def _record(what, family, address):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{what} family={family} address={address!r}\\n")


def _guard(name):
    original = getattr(socket.socket, name)

    def checked(self, address, *args):
        if self.family != socket.AF_UNIX:
            _record(name, self.family, address)
            raise OSError(f"posecoach privacy test: {name} to {address!r} refused")
        return original(self, address, *args)

    setattr(socket.socket, name, checked)


for _name in ("connect", "connect_ex", "bind", "sendto"):
    _guard(_name)


def _create_connection(address, *args, **kwargs):
    _record("create_connection", "inet", address)
    raise OSError(f"posecoach privacy test: connection to {address!r} refused")


socket.create_connection = _create_connection
'''


@pytest.fixture
def guarded_env(tmp_path):
    folder = tmp_path / "guard"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = tmp_path / "net.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    env["POSECOACH_NET_LOG"] = str(log)
    env.pop("WAYLAND_DISPLAY", None)
    return env, log


@pytest.fixture(scope="module")
def clip(sample_videos, tmp_path_factory) -> Path:
    """1.5 s of a sample clip at 480x270 (a person whose face the blur must find)."""
    source = (sorted(sample_videos.glob("kneeling*.mp4")) or sorted(sample_videos.glob("*.mp4")))[0]
    capture = cv2.VideoCapture(str(source))
    capture.set(cv2.CAP_PROP_POS_MSEC, 1000.0)
    frames = []
    while len(frames) < 45:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(image, (480, 270), interpolation=cv2.INTER_AREA))
    capture.release()
    path = tmp_path_factory.mktemp("privacy") / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (480, 270))
    for image in frames:
        writer.write(image)
    writer.release()
    return path


def _strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    done = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "true"],
                          capture_output=True)
    return done.returncode == 0


def _traced(cmd: list[str], log: Path) -> list[str]:
    """cmd under strace when it works: it records socket calls of every thread and child."""
    if not _strace_works():
        return cmd
    return ["strace", "-f", "-qq", "-e", "trace=socket,connect,bind,listen,sendto",
            "-o", str(log), *cmd]


# An address of a family other than AF_UNIX given to connect/bind/sendto, or any listen().
# Creating a socket without using it (a libc interface query opens one AF_INET datagram
# socket at start-up) moves no data and is not counted.
_NON_UNIX = re.compile(r"\b(?:connect|bind|sendto)\(.*sa_family=AF_(?!UNIX|LOCAL)[A-Z0-9]+")


# MediaPipe's native usage logging is sent to a closed port on this machine
# (estimation.block_native_telemetry): a refused loopback connection, nothing leaves.
_LOOPBACK = re.compile(r'sin_addr=inet_addr\("127\.|inet_pton\(AF_INET6, "::1"')


def _network_calls(strace_log: Path) -> list[str]:
    if not strace_log.is_file():
        return []
    lines = strace_log.read_text(errors="replace").splitlines()
    outward = [line for line in lines if _NON_UNIX.search(line) and not _LOOPBACK.search(line)]
    return outward + [line for line in lines if re.search(r"\blisten\(", line)]


def _assert_private(result, guard_log: Path, strace_log: Path) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert not guard_log.exists(), guard_log.read_text()
    assert _network_calls(strace_log) == []


def test_analyze_opens_no_network_connection(tmp_path, clip, guarded_env):
    env, guard_log = guarded_env
    strace_log = tmp_path / "strace.log"
    cmd = [*POSECOACH, "analyze", str(clip), "--out", str(tmp_path / "out"), "--quiet",
           "--blur-faces"]
    result = subprocess.run(_traced(cmd, strace_log), env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    _assert_private(result, guard_log, strace_log)
    if _strace_works():  # the trace did see the process's sockets (the ffmpeg pipe's peer...)
        assert "socket(" in strace_log.read_text(errors="replace")


def test_analyze_works_without_any_network(tmp_path, clip):
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True) \
        if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("unshare -n is not available or not permitted here")
    out = tmp_path / "out"
    result = subprocess.run(["unshare", "-n", *POSECOACH, "analyze", str(clip), "--out",
                             str(out), "--quiet", "--no-video"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (out / "report.html").is_file()


def _listening_inodes() -> set[str]:
    """Socket inodes in LISTEN state (TCP) or bound (UDP), all address families."""
    inodes = set()
    for table, state in (("tcp", "0A"), ("tcp6", "0A"), ("udp", None), ("udp6", None)):
        path = Path("/proc/net") / table
        if not path.is_file():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if state is None or fields[3] == state:
                inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def test_live_opens_no_network_connection_and_listens_nowhere(tmp_path, clip, guarded_env,
                                                              xdisplay):
    env, guard_log = guarded_env
    env["DISPLAY"] = xdisplay
    strace_log = tmp_path / "strace.log"
    record = tmp_path / "record"
    cmd = [*POSECOACH, "live", "--source", str(clip), "--exercise", "kneeling_hip_flexor",
           "--no-sound", "--record", str(record)]
    proc = subprocess.Popen(_traced(cmd, strace_log), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    listening: set[str] = set()
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        pids = [proc.pid] + [int(p) for p in Path(f"/proc/{proc.pid}/task").glob("*/children")
                             for p in _read(p).split()]
        for pid in pids:
            listening |= _socket_inodes(pid) & _listening_inodes()
        time.sleep(0.5)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert listening == set(), "posecoach live opened a listening socket"
    _assert_private(subprocess.CompletedProcess(cmd, 0, out, err), guard_log, strace_log)
    assert (record / "summary.json").is_file()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


# ---------------------------------------------------------------------- face blurring


def _face_box(row: dict[str, str], size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    names = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
    points = [(row.get(f"{n}_x"), row.get(f"{n}_y")) for n in names]
    xy = np.array([(float(x), float(y)) for x, y in points if x and y])
    if len(xy) < 3:
        return None
    shoulders = [(row.get(f"{n}_shoulder_x"), row.get(f"{n}_shoulder_y"))
                 for n in ("left", "right")]
    half = 6.0
    if all(x and y for x, y in shoulders):
        half = max(half, 0.25 * float(np.hypot(float(shoulders[0][0]) - float(shoulders[1][0]),
                                               float(shoulders[0][1]) - float(shoulders[1][1]))))
    x0, y0 = (xy.min(axis=0) - half).astype(int)
    x1, y1 = (xy.max(axis=0) + half).astype(int)
    w, h = size
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def _sharpness(image: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def _frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


def test_blur_faces_blurs_the_face_in_video_and_report(tmp_path, clip):
    plain, blurred = tmp_path / "plain", tmp_path / "blurred"
    for out, extra in ((plain, []), (blurred, ["--blur-faces"])):
        result = subprocess.run([*POSECOACH, "analyze", str(clip), "--out", str(out), "--quiet",
                                 "--exercise", "kneeling_hip_flexor", "--no-history", *extra],
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    assert json.loads((blurred / "summary.json").read_text())["blur_faces"] is True
    with (blurred / "landmarks.csv").open() as f:
        rows = list(csv.DictReader(f))
    a, b = _frames(plain / "annotated.mp4"), _frames(blurred / "annotated.mp4")
    ratios = []
    for row, img_a, img_b in zip(rows, a, b, strict=True):
        box = _face_box(row, (img_a.shape[1], img_a.shape[0])) if row["pose_detected"] == "1" \
            else None
        if box is None or box[2] - box[0] < 6 or box[3] - box[1] < 6:
            continue
        x0, y0, x1, y1 = box
        face_a, face_b = img_a[y0:y1, x0:x1], img_b[y0:y1, x0:x1]
        ratios.append(_sharpness(face_b) / max(_sharpness(face_a), 1e-6))
    # Detail in the face box drops sharply (the overlay's skeleton lines, drawn after the
    # blur, keep some edges in a few frames).
    assert len(ratios) >= 10
    assert np.median(ratios) < 0.35, ratios
    assert np.mean(np.array(ratios) < 0.6) >= 0.8, ratios
    # The report's key frames are taken from this (blurred) annotated.mp4.
    assert (blurred / "report.html").is_file()
