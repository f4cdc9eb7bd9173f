"""The Docker image's recipe, checked without a container engine (none runs on the CI machine).

The Dockerfile is parsed; its base image must be pinned, its COPY sources must exist and pass the
.dockerignore, secrets and local files must be ignored; then its steps are replayed in a temporary
folder (the COPY steps, the pip step as a dry run against this Python), the server is started there
with the image's CMD and ENV, and the image's HEALTHCHECK command must report it healthy.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.server import free_port
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
           if line.strip() and not line.startswith("#")]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = DOCKERFILE.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def ignored(path: str) -> bool:
    """Whether the build context leaves ``path`` out (the .dockerignore patterns, ``**`` as any folders)."""
    for pattern in IGNORED:
        bare = pattern.removeprefix("**/")
        parts = path.split("/")
        for i in range(len(parts)):
            prefix = "/".join(parts[: i + 1])
            if fnmatch.fnmatch(prefix, pattern) or (pattern.startswith("**/") and fnmatch.fnmatch(parts[i], bare)):
                return True
    return False


def test_base_image_is_pinned() -> None:
    base = next(args for word, args in instructions() if word == "FROM")
    name, _, tag = base.partition(":")
    assert "@sha256:" in base or (tag.count(".") >= 2 and tag != "latest"), f"pin {base} by digest or exact tag"


def test_secrets_and_local_files_stay_out_of_the_image() -> None:
    for path in (".env", "pages/.env", ".streamlit/secrets.toml", "deploy/key.pem", ".git/config", "tests/test_x.py",
                 "test-output/screenshots/a.png", "benchmarks/out/report.json", ".venv/bin/python", "build/lib/x.py",
                 "effrob.egg-info/PKG-INFO", "pages/__pycache__/x.pyc", ".aws/credentials", "home/.ssh/id_rsa"):
        assert ignored(path), f"{path} would be sent to the image"
    for path in ("app.py", "serve.py", "requirements.txt", "pages/common.py", "effrob_core/results.py", "results/models.csv",
                 ".streamlit/config.toml"):
        assert not ignored(path), f"{path} is needed by the image"


def test_healthcheck_and_error_details() -> None:
    words = [w for w, _ in instructions()]
    assert "HEALTHCHECK" in words and "USER" in words
    env = next(args for word, args in instructions() if word == "ENV")
    assert "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none" in env


def test_image_steps_replayed_in_a_folder_serve_a_healthy_app(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    env = {**os.environ}
    healthcheck = cmd = None
    for word, args in instructions():
        if word == "ENV":
            env.update(dict(item.split("=", 1) for item in shlex.split(args)))
        elif word == "COPY":
            *sources, dest = shlex.split(args)
            for src in sources:
                assert not ignored(src), f"COPY {src}: excluded by .dockerignore"
                target = app / dest / Path(src).name if dest.endswith("/") or dest == "." else app / dest
                if (ROOT / src).is_dir():
                    shutil.copytree(ROOT / src, target, dirs_exist_ok=True,
                                    ignore=lambda d, names: [n for n in names
                                                             if ignored(str((Path(d) / n).relative_to(ROOT)))])
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / src, target)
        elif word == "RUN" and "pip install" in args:  # this Python already has the pins: resolve, install nothing
            argv = shlex.split(args.replace("pip install", f"{sys.executable} -m pip install --dry-run -q", 1))
            done = subprocess.run(argv, cwd=app, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
        elif word == "HEALTHCHECK":
            healthcheck = shlex.split(args.split(" CMD ", 1)[1])
        elif word == "CMD":
            cmd = json.loads(args)
    assert cmd and healthcheck and (app / "results" / "models.csv").is_file()
    assert not (app / "tests").exists() and not list(app.rglob("__pycache__"))
    port = str(free_port())
    cmd = [sys.executable, "-m", *cmd] if cmd[0] == "streamlit" else cmd
    cmd = [port if a == "8501" else "127.0.0.1" if a == "0.0.0.0" else a for a in cmd]
    server = subprocess.Popen(cmd + ["--server.headless", "true", "--browser.gatherUsageStats", "false"], cwd=app,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        probe = [sys.executable if a == "python" else a.replace(":8501/", f":{port}/") for a in healthcheck]
        deadline = time.monotonic() + 90
        while subprocess.run(probe, env=env, capture_output=True, timeout=30).returncode != 0:
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the image's health check never passed"
            time.sleep(0.5)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
