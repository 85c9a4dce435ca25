"""Where shipped model files live, for a wheel, an editable install and a checkout."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["models_dir"]


def models_dir() -> Path:
    """The shipped ``models/`` directory.

    A wheel carries it inside the package (``textclean/models``, copied by
    setup.py); an editable install or a source checkout has it at the
    repository root, next to the package.
    """
    inside = Path(str(resources.files("textclean"))) / "models"
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[1] / "models"
