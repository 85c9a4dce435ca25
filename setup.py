"""Build hook: ship the top-level models/ directory inside the wheel as textclean/models."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithModels(build_py):
    def run(self):
        super().run()
        src = Path(__file__).resolve().parent / "models"
        if src.is_dir() and not getattr(self, "editable_mode", False):
            shutil.copytree(src, Path(self.build_lib) / "textclean" / "models", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithModels})
