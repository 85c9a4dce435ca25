from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_models_found_when_the_package_is_imported_from_a_zip(tmp_path):
    # Spark ships a wheel with --py-files: the package is imported from a zip
    archive = tmp_path / "textclean.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (ROOT / "textclean").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(ROOT).as_posix())
        for path in (ROOT / "models").rglob("*"):
            if path.is_file():
                zf.write(path, "textclean/models/" + path.relative_to(ROOT / "models").as_posix())
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import textclean, textclean.paths as p; "
        "assert textclean.__file__.startswith(sys.argv[1]), textclean.__file__; "
        "d = p.models_dir(); assert (d / 'spam' / 'card.json').is_file(), d; "
        "print(textclean.clean('- 迪士尼彩乐园网址 城市夜跑活动吸引上万市民参加\\n据报道,本地一家电池企业本周宣布投资建厂。'))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(archive)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "据报道,本地一家电池企业本周宣布投资建厂。"
