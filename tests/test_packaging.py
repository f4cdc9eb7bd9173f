"""The package as a user installs it: ``pip install .`` into a fresh virtual environment, then the
``effrob`` command and the API from another folder, reading the results tables installed with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_console_script_data_and_dependencies() -> None:
    data = PYPROJECT["tool"]["setuptools"]["package-dir"]["effrob_core.published_results"]
    assert data == "results" and (ROOT / data / "models.csv").is_file()
    assert PYPROJECT["project"]["scripts"] == {"effrob": "effrob_core.cli:main"}
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}


def _source_copy(dest: Path) -> Path:
    """The files a clone has (tracked and untracked-but-not-ignored), so no build output of ours is reused."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the source files")
def test_pip_install_then_effrob_fit_from_another_folder(tmp_path: Path) -> None:
    # --system-site-packages: the dependencies already installed here satisfy the pins, nothing is
    # downloaded but the build backend (setuptools, from the package index).
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    src = _source_copy(tmp_path / "src")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "EFFROB_RESULTS_DIR")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    pip = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "."], cwd=src, env=env,
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(src)  # nothing may be read from the source tree any more

    fit = subprocess.run([str(bin_dir / "effrob"), "fit", "--shift", "imagenet-sketch"], cwd=elsewhere, env=env,
                         capture_output=True, text=True, timeout=120)
    assert fit.returncode == 0, fit.stderr
    fields = dict(line.split(None, 1) for line in fit.stdout.strip().splitlines())
    assert (fields["slope"], fields["intercept"], fields["n"]) == ("1.0709", "-2.3701", "85")

    site = Path(subprocess.run([str(bin_dir / "python"), "-c", "import effrob_core; print(effrob_core.__file__)"],
                               cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60).stdout.strip()).parent
    assert env_dir in site.parents
    for init in (ROOT / "effrob_core").rglob("__init__.py"):  # every subpackage is installed
        assert (site / init.relative_to(ROOT / "effrob_core")).is_file(), init

    where = subprocess.run([str(bin_dir / "python"), "-c", "import effrob_core.results as r; print(r.RESULTS_DIR)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    installed = Path(where.stdout.strip())
    assert installed.parts[-2:] == ("effrob_core", "published_results") and env_dir in installed.parents
    assert (installed / "README.md").is_file()  # the attribution travels with the tables

    usage = subprocess.run([str(bin_dir / "effrob"), "fit"], cwd=elsewhere, env=env, capture_output=True,
                           text=True, timeout=60)
    assert usage.returncode == 2 and usage.stderr.startswith("effrob fit: error:") and "Traceback" not in usage.stderr

    example = subprocess.run([str(bin_dir / "python"), str(ROOT / "examples" / "notebook.py"),
                              str(ROOT / "tests" / "data" / "my_models.csv")], cwd=elsewhere, env=env,
                             capture_output=True, text=True, timeout=120)
    assert example.returncode == 0, example.stderr
    assert "slope=1.0709" in example.stdout and "Your models" in example.stdout
    requires = subprocess.run([str(bin_dir / "python"), "-c",
                               "import importlib.metadata as m; print('\\n'.join(m.requires('effrob')))"],
                              cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert sorted(requires.stdout.split()) == sorted(pins)
