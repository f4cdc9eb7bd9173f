"""The real dashboard server on a free loopback port, and the headless Chromium that visits it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
APP = '[data-testid="stApp"]'
IDLE = f'{APP}[data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot svg.main-svg'
EXCEPTION = '[data-testid="stException"]'


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def page_urls(app: Path = ROOT / "app.py") -> list[tuple[str, str]]:
    """(page file, URL path) of every page in ``app.py``; the default page is served at ``/``.

    Streamlit serves the default page only at the root (its ``url_path`` answers "Page not found").
    """
    out = []
    for m in re.finditer(r"st\.Page\(([^)]*)\)", app.read_text()):
        args = m.group(1)
        file = re.search(r"[\"']([^\"']+\.py)[\"']", args)
        path = re.search(r"url_path\s*=\s*[\"']([^\"']*)[\"']", args)
        default = re.search(r"default\s*=\s*True", args)
        if file:
            out.append((file.group(1), "/" if default else "/" + (path.group(1) if path else Path(file.group(1)).stem)))
    return out


class Server:
    """``streamlit run serve.py`` (the dashboard as it ships, or another ``script``) on 127.0.0.1 and a free
    port, in its own process group."""

    def __init__(self, env: dict[str, str] | None = None, start_timeout: float = 90.0, script: str = "serve.py") -> None:
        self.script = script
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()
        self.started_s = float("nan")

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> float:
        """Start the server and wait for its health endpoint; return the seconds it took."""
        cmd = [sys.executable, "-m", "streamlit", "run", self.script, "--server.address", "127.0.0.1",
               "--server.port", str(self.port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = self.log_tail()
                self.stop()
                raise RuntimeError(f"streamlit server did not start: {log}")
            time.sleep(0.1)
        self.started_s = time.perf_counter() - t0
        return self.started_s

    def healthy(self) -> bool:
        """Whether the health endpoint answers ``ok``."""
        try:
            with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as r:
                return r.read().decode("utf-8", "replace").strip() == "ok"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def status(self) -> dict[str, int]:
        """VmHWM (peak RSS) and VmRSS of the server process, in kB, from /proc."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS", "Threads"):
                out[name] = int(value.split()[0])
        return out

    def log_tail(self, n: int = 3000) -> str:
        """The last ``n`` characters of the server's output."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-n:]

    def stop(self) -> None:
        """Terminate the server's process group; kill it if it does not exit within 10 s."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
