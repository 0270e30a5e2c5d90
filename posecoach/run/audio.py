"""Sounds for live coaching: a short tone at the start and end of each hold and at side
switches, and spoken cues through an offline text-to-speech engine.

Tones are made with numpy and played by the first player found: `paplay`, `pw-play`,
`aplay` (as WAV on stdin) or the `sounddevice` module. Speech uses the `espeak-ng` or
`espeak` binary. Everything runs in the background and never raises: no player, no
engine or no audio device means silence and ONE warning line, not a crash. Nothing here
touches the network.

`Announcer.update(state)` decides what to play from a SessionState's events and cues;
`Speaker` only plays what it is told.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import threading
import wave

import numpy as np

SAMPLE_RATE = 22050
# Pitches (Hz) and lengths (s): a rising pair starts a hold, a falling one ends it.
TONES = {
    "hold_start": ((660.0, 0.12), (880.0, 0.18)),
    "hold_end": ((880.0, 0.12), (660.0, 0.22)),
    "side_switch": ((523.0, 0.15), (523.0, 0.15), (784.0, 0.25)),
}
TONE_EVENTS = {
    "hold_start": "hold_start",
    "hold_complete": "hold_end",
    "hold_partial": "hold_end",
    "side_switch": "side_switch",
}
PLAYERS = (("paplay", ["paplay"]), ("pw-play", ["pw-play", "-"]), ("aplay", ["aplay", "-q"]))
TTS_ENGINES = ("espeak-ng", "espeak")


def tone(notes, rate: int = SAMPLE_RATE, volume: float = 0.4) -> np.ndarray:
    """int16 mono samples of (frequency Hz, seconds) notes, each with soft edges."""
    parts = []
    for freq, seconds in notes:
        t = np.arange(int(rate * seconds)) / rate
        envelope = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)  # 10 ms ramps: no clicks
        parts.append(np.sin(2 * np.pi * freq * t) * envelope)
    samples = np.concatenate(parts) if parts else np.zeros(0)
    return (samples * volume * 32767).astype(np.int16)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _warn(message: str) -> None:
    print(f"posecoach: warning: {message}", file=sys.stderr)


class Speaker:
    """Plays tones and speaks text in the background; silent (one warning) when it cannot.

    enabled=False makes it silent without any warning (e.g. --no-sound, benchmarks).
    """

    def __init__(self, enabled: bool = True, warn=_warn):
        self._warn = warn
        self._warned = False
        self._busy_speaking = threading.Event()
        self.player = self._find_player() if enabled else None
        self.tts = next((e for e in TTS_ENGINES if shutil.which(e)), None) if enabled else None
        if enabled and (self.player is None or self.tts is None):
            missing = []
            if self.player is None:
                missing.append("tones (no paplay/pw-play/aplay or sounddevice)")
            if self.tts is None:
                missing.append("spoken cues (no espeak-ng/espeak)")
            self._warn_once("sound off for " + " and ".join(missing))

    @staticmethod
    def _find_player():
        for name, cmd in PLAYERS:
            if shutil.which(name):
                return cmd
        try:
            import sounddevice

            sounddevice.query_devices(kind="output")
            return "sounddevice"
        except Exception:  # any failure (no PortAudio, no device) = no player
            return None

    def _warn_once(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            self._warn(message)

    def play(self, name: str) -> None:
        """Play one of TONES in the background."""
        if self.player is None or name not in TONES:
            return
        samples = tone(TONES[name])
        threading.Thread(target=self._play, args=(samples,), daemon=True).start()

    def _play(self, samples: np.ndarray) -> None:
        try:
            if self.player == "sounddevice":
                import sounddevice

                sounddevice.play(samples, SAMPLE_RATE, blocking=True)
                return
            done = subprocess.run(self.player, input=wav_bytes(samples), capture_output=True,
                                  timeout=10, check=False)
            if done.returncode != 0:
                self._give_up("the audio player failed (no audio device?)")
        except Exception:  # a sound must never take the session down
            self._give_up("the audio player failed (no audio device?)")

    def _give_up(self, why: str) -> None:
        self.player = None
        self._warn_once(f"tones off: {why}")

    def say(self, text: str) -> None:
        """Speak `text` in the background; skipped while still speaking the previous one."""
        if self.tts is None or self._busy_speaking.is_set():
            return
        self._busy_speaking.set()
        threading.Thread(target=self._say, args=(text,), daemon=True).start()

    def _say(self, text: str) -> None:
        try:
            subprocess.run([self.tts, "-s", "160", text], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            self.tts = None
            self._warn_once("spoken cues off: the speech engine failed")
        finally:
            self._busy_speaking.clear()


class Announcer:
    """Turns session states into sounds: tones on hold start/end and side switches,
    each newly shown fault or hint cue spoken once, and the prompt when a phase begins."""

    def __init__(self, speaker: Speaker):
        self.speaker = speaker
        self._shown: set[str] = set()
        self._phase: str | None = None

    def update(self, state) -> None:
        if state is None:
            return
        for event in state.events:
            if event in TONE_EVENTS:
                self.speaker.play(TONE_EVENTS[event])
        shown = {c.id for c in state.cues}
        new = [c for c in state.cues if c.id not in self._shown and c.severity != "good"]
        self._shown = shown
        if new:
            self.speaker.say(new[0].text)
        elif state.phase != self._phase and state.phase in ("switch_sides", "done"):
            self.speaker.say(state.prompt)
        self._phase = state.phase
