"""report.html for one analysed clip (see `build_report`).

build      reads the output folder and writes the page
sections   one function per section of the page
svg        hand-rolled inline SVG plots and the fault timeline
keyframes  still images from the video, inline JPEG, faces blurred on request
page       inline stylesheet, script and HTML helpers
"""

from posecoach.report.build import build_report

__all__ = ["build_report"]
