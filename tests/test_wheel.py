"""The wheel carries the package data and the shipped models, and cleans from a fresh venv."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    try:
        _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp / "dist"), str(ROOT)])
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"wheel build failed:\n{exc.stdout[-2000:]}\n{exc.stderr[-2000:]}")
    wheel = next((tmp / "dist").glob("textclean-*.whl"))
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # install the wheel's files alone; dependencies come from this test's environment
    import zipfile

    zipfile.ZipFile(wheel).extractall(site)
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return py, site


def test_wheel_installs_and_cleans_with_default_model(wheel_venv, tmp_path):
    py, site = wheel_venv
    code = (
        "import textclean, textclean.paths as p;"
        "print(textclean.__file__); print(p.models_dir());"
        "print(textclean.clean('- 迪士尼彩乐园网址 今日新闻\\n市政府公布计划。'))"
    )
    out = _run([str(py), "-c", code], cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""}).stdout.splitlines()
    assert out[0].startswith(str(site)), "textclean must come from the wheel, not the checkout"
    assert out[1].startswith(str(site)) and Path(out[1]).is_dir()
    assert out[2] == "市政府公布计划。"
    shipped = {p.relative_to(ROOT / "models") for p in (ROOT / "models").rglob("*") if p.is_file()}
    installed = {p.relative_to(Path(out[1])) for p in Path(out[1]).rglob("*") if p.is_file()}
    assert shipped <= installed
