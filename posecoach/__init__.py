"""posecoach: a camera-based coach for psoas and hip-flexor stretches.

Data flows one way: frames -> pose -> metrics -> exercise state -> overlay / records -> report.
"""

__version__ = "0.1.0"
