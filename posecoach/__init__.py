"""posecoach: a camera-based coach for psoas and hip-flexor stretches.

Data flows one way: frames -> pose -> metrics -> exercise state -> overlay / records -> report.

`posecoach.analyze(path)` analyses a clip and returns its numbers (posecoach.api).
"""

__version__ = "0.1.0"

# The API (posecoach.api) is imported on first use, so `import posecoach` stays cheap.
_API = ("analyze", "Analysis", "Frames")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from posecoach import api

        return getattr(api, name)
    raise AttributeError(f"module 'posecoach' has no attribute {name!r}")
