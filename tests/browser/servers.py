"""Start and stop a real Jupyter server (JupyterLab 4 or Notebook 7) for the browser tests.

Each server runs the venv's own `jupyter-lab` / `jupyter-notebook` on 127.0.0.1 with a free port,
a random token and no browser, in a temporary root with its own config, data, runtime, settings
and workspace directories (nothing from ~/.jupyter leaks in, nothing leaks out). Its kernels see
`CLAUDE_MAGIC_SIMULATE=1` and no `ANTHROPIC_*` variable, so every `%%claude` goes to the simulator.
Stopping shuts the kernels down through the REST API, then the server with SIGTERM, and checks
that no process started for it is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat

App = Literal["lab", "notebook"]
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
KERNEL_SPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class ServerError(RuntimeError):
    """The server did not start, did not answer, or left processes behind."""


@dataclass
class JupyterServer:
    """One running server: where it listens, its token, its root and its process."""

    app: App
    port: int
    token: str
    base: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def root(self) -> Path:
        """The directory the server shows (notebooks are created here)."""
        return self.base / "root"

    def url(self, path: str = "") -> str:
        """An absolute URL on this server, carrying the token so a fresh browser context is let in."""
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"

    def notebook_url(self, name: str) -> str:
        """Where a person opens notebook `name` in this app.

        In Lab, each notebook gets a workspace of its own: the default workspace would reopen every
        notebook an earlier test opened, each in a tab with its own kernel.
        """
        if self.app == "notebook":
            return self.url(f"notebooks/{name}")
        workspace = "".join(c if c.isalnum() else "-" for c in Path(name).stem)
        return self.url(f"lab/workspaces/{workspace}/tree/{name}")

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the server's REST API; returns the decoded JSON body (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def set_lab_setting(self, plugin: str, values: dict[str, Any]) -> None:
        """Write a user setting through the settings REST API (what the Settings editor does)."""
        self.api("PUT", f"lab/api/settings/{plugin}", {"raw": json.dumps(values)})

    def lab_setting(self, plugin: str) -> dict[str, Any]:
        """The composite (effective) values of a settings plugin."""
        result: dict[str, Any] = self.api("GET", f"lab/api/settings/{plugin}")["settings"]
        return result

    def write_notebook(self, name: str, cells: Sequence[str | tuple[str, str]]) -> Path:
        """Create `name` in the root: each cell is code, or a (`"markdown"`|`"code"`, source) pair."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = dict(KERNEL_SPEC)
        nb.metadata["language_info"] = {"name": "python"}
        for cell in cells:
            kind, source = ("code", cell) if isinstance(cell, str) else cell
            new_cell = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
            nb.cells.append(new_cell(source))
        path = self.root / name
        nbformat.write(nb, path)
        return path

    def read_notebook(self, name: str) -> nbformat.NotebookNode:
        """The notebook as it is on disk now."""
        return nbformat.read(self.root / name, as_version=4)

    def shutdown_kernels(self) -> None:
        """Delete every session and kernel through the REST API (the kernels exit cleanly)."""
        for session in self.api("GET", "api/sessions"):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"api/sessions/{session['id']}", timeout=30)
        for kernel in self.api("GET", "api/kernels"):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"api/kernels/{kernel['id']}", timeout=30)

    def stop(self) -> None:
        """Shut kernels down, SIGTERM the server, and fail if anything started for it is still running."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            with contextlib.suppress(OSError, urllib.error.URLError):
                self.shutdown_kernels()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                raise ServerError(f"{self.app} server ignored SIGTERM for {STOP_TIMEOUT_S}s; killed") from None
        leftovers = processes_mentioning(str(self.base))
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if leftovers:
            raise ServerError(f"{self.app} server left processes {leftovers} running; killed them")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kernel_environment(base: Path) -> dict[str, str]:
    """The server's (and so its kernels') environment: simulated replies, no key, private Jupyter dirs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "JUPYTER", "CLAUDE_MAGIC_"))}
    dirs = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }
    for name, sub in dirs.items():
        (base / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(base / sub)
    env["CLAUDE_MAGIC_SIMULATE"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_server(app: App, base: Path, disabled: Sequence[str] = ()) -> JupyterServer:
    """Start `jupyter lab` or `jupyter notebook` in `base` and wait until its API answers.

    `disabled` names labextensions the page leaves out (page_config.json's `disabledExtensions`, the
    file `jupyter labextension disable` writes), e.g. the widget manager, as offline VS Code or Colab lack it.
    """
    (base / "root").mkdir(parents=True, exist_ok=True)
    env = kernel_environment(base)
    if disabled:
        labconfig = base / "config" / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        page_config = {"disabledExtensions": {name: True for name in disabled}}
        (labconfig / "page_config.json").write_text(json.dumps(page_config), encoding="utf-8")
    executable = Path(sys.executable).parent / ("jupyter-lab" if app == "lab" else "jupyter-notebook")
    last_error = ""
    for attempt in range(3):  # a free port can be taken between free_port() and bind: try another
        port, token = free_port(), secrets.token_hex(16)
        log_path = base / f"{app}-server-{attempt}.log"
        command = [
            str(executable),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={base / 'root'}",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI and dev machines here run as root
            # No trips to PyPI from the extension manager while a test runs.
            *(["--LabApp.extension_manager=readonly"] if app == "lab" else []),
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=base / "root", env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = JupyterServer(app, port, token, base, process, log_path)
        if wait_until_answering(server):
            return server
        last_error = server.log_tail()
        server.stop()
    raise ServerError(f"{app} server did not start:\n{last_error}")


def wait_until_answering(server: JupyterServer, timeout: float = START_TIMEOUT_S) -> bool:
    """True once GET /api/status answers; False if the process exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            server.api("GET", "api/status", timeout=2)
            return True
        time.sleep(0.2)  # polling a process we cannot subscribe to; bounded by the deadline
    return False


def processes_mentioning(text: str) -> list[int]:
    """Pids (other than ours) whose command line contains `text` (e.g. a kernel's connection file)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry.name))
    return pids
