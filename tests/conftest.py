from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# The test run is deterministic (the same examples on every machine, so a CI
# result can be reproduced); exploration is a separate, longer run:
#   HYPOTHESIS_PROFILE=fuzz python -m pytest -q tests -k "invariant or property"
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("fuzz", derandomize=False, max_examples=20_000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when the shared data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is not beside the project ({path} missing)")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(c in it for c in small)
