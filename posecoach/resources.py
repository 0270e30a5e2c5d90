"""Where the project's data folders are: `content/` (exercise files) and `models/` (the
pose model bundle and fitted parameter files).

Both sit at the top of the repository. A wheel carries them inside the package as
`posecoach/_data/<name>` (pyproject's build mapping), so an installed posecoach finds them
there; a checkout and an editable install find them beside the package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The folder `name` ("content" or "models") of this installation."""
    packaged = files("posecoach").joinpath("_data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return _PACKAGE_DIR.parent / name
