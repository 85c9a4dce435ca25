"""Placeholder until the conversion engine lands: the character map for the key."""
from __future__ import annotations

import functools
from importlib import resources

__all__ = ["fold_char_map"]


@functools.lru_cache(maxsize=1)
def fold_char_map() -> dict[str, str]:
    """Traditional→Simplified single-character map (first candidate) from OpenCC."""
    path = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, vals = line.partition("\t")
        if len(key) == 1 and vals:
            out[key] = vals.split()[0]
    return out
