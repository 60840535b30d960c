"""Start nanosim (the offline Nano Banana provider simulator) from Python tests; standard library only.

    from nanosim import Nanosim
    with Nanosim(providers=["toapis"]) as sim:        # a free port, the manual clock
        url = sim.url("toapis")                       # the provider's base URL for your SDK or HTTP client
        ...
        sim.advance(60_000)                           # moves every job's time
        assert sim.verify("no_duplicate_submits")["passed"]

A pytest fixture comes with it (``nanosim.pytest_plugin``: ``pytest -p nanosim.pytest_plugin`` or
``pytest_plugins = ["nanosim.pytest_plugin"]`` in conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterable, Optional

__all__ = ["Nanosim", "NanosimError", "find_binary", "serve_arguments"]


class NanosimError(RuntimeError):
    """The program did not start, or an admin request was refused."""


def find_binary(explicit: Optional[str] = None) -> str:
    """The program: explicit, else NANOSIM_BINARY, else a build of this checkout (build/dev, build/release), else
    ``nanosim`` on the PATH (the Debian package installs /usr/bin/nanosim)."""
    if explicit:
        return explicit
    if os.environ.get("NANOSIM_BINARY"):
        return os.environ["NANOSIM_BINARY"]
    root = Path(__file__).resolve().parents[3]
    for preset in ("dev", "release"):
        built = root / "build" / preset / "simulator" / "nanosim"
        if built.exists():
            return str(built)
    found = shutil.which("nanosim")
    if found:
        return found
    raise NanosimError("no nanosim program: set NANOSIM_BINARY, build this checkout or install the package")


def serve_arguments(providers: Iterable[str] = (), scenarios: Iterable[str] = (), seed: Optional[int] = None,
                    clock: str = "manual", api_keys: Iterable[str] = (), args: Iterable[str] = ()) -> list[str]:
    """``nanosim serve`` arguments for the options (see Nanosim)."""
    out = ["serve", "--port", "0", "--clock", clock, "--quiet"]
    for provider in providers:
        out += ["--provider", provider]
    for scenario in scenarios:
        out += ["--scenario", scenario]
    for key in api_keys:
        out += ["--api-key", key]
    if seed is not None:
        out += ["--seed", str(seed)]
    return out + list(args)


class Nanosim:
    """A running ``nanosim serve`` (started by start() or ``with``), with the admin API as methods."""

    def __init__(self, providers: Iterable[str] = (), scenarios: Iterable[str] = (), seed: Optional[int] = None,
                 clock: str = "manual", api_keys: Iterable[str] = (), args: Iterable[str] = (),
                 binary: Optional[str] = None, start_timeout: float = 30.0):
        self.command = [find_binary(binary)] + serve_arguments(providers, scenarios, seed, clock, api_keys, args)
        self.start_timeout = start_timeout
        self.base_url = ""
        self.output: list[str] = []
        self._process: Optional[subprocess.Popen] = None

    # -- life cycle -------------------------------------------------------------------------------------------
    def start(self) -> "Nanosim":
        self._process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        found = threading.Event()

        def read() -> None:  # keeps draining stdout: a full pipe would block the program
            assert self._process is not None and self._process.stdout is not None
            for line in self._process.stdout:
                self.output.append(line.rstrip("\n"))
                if not found.is_set() and "listening on " in line:
                    self.base_url = line.split("listening on ", 1)[1].strip().split('"')[0]
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(self.start_timeout) or not self.base_url:
            self.stop()
            raise NanosimError("nanosim did not start:\n" + "\n".join(self.output))
        return self

    def stop(self) -> Optional[int]:
        """SIGTERM, then the exit code. Idempotent."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        return self._process.wait()

    def __enter__(self) -> "Nanosim":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- providers and admin API --------------------------------------------------------------------------------
    def url(self, provider: str) -> str:
        """A provider's base URL, e.g. url("crazyrouter") + "/v1" for an OpenAI SDK."""
        return f"{self.base_url}/{provider}"

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Any admin route, e.g. admin("GET", "/health"); a refused request raises NanosimError with its body."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/__nanosim{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            raise NanosimError(f"{method} /__nanosim{path} answered {error.code}: {error.read().decode()}") from None
        return json.loads(text) if text else {}

    def health(self) -> dict:
        return self.admin("GET", "/health")

    def providers(self) -> list[str]:
        return self.health()["providers"]

    def advance(self, ms: int) -> dict:
        """Moves the manual clock (every job with it)."""
        return self.admin("POST", "/clock/advance", {"ms": ms})

    def now(self) -> int:
        return self.admin("GET", "/clock")["now_ms"]

    def reset(self) -> dict:
        """Forgets jobs, files and the journal; the manual clock returns to 0."""
        return self.admin("POST", "/reset")

    def journal(self, after: Optional[int] = None, limit: Optional[int] = None) -> list[dict]:
        """Every exchange (request and response: headers with keys masked, bodies), oldest first."""
        query = {k: v for k, v in (("after", after), ("limit", limit)) if v is not None}
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        return self.admin("GET", "/journal" + suffix)["entries"]

    def jobs(self) -> list[dict]:
        return self.admin("GET", "/jobs")["jobs"]

    def add_scenario(self, name_or_document: Any) -> dict:
        """Installs a catalog scenario by name ("rate-limited") or a scenario document (a dict)."""
        body = {"name": name_or_document} if isinstance(name_or_document, str) else name_or_document
        return self.admin("POST", "/scenarios", body)

    def remove_scenario(self, name: str) -> dict:
        return self.admin("DELETE", "/scenarios/" + urllib.parse.quote(name, safe=""))

    def scenarios(self) -> list[dict]:
        return self.admin("GET", "/scenarios")["scenarios"]

    def verify(self, check: str, **params: Any) -> dict:
        """A check of client behaviour: verify("polled_no_faster_than", interval_ms=1000)["passed"]."""
        return self.admin("GET", "/verify?" + urllib.parse.urlencode({"check": check, **params}))

    def coverage(self) -> dict:
        return self.admin("GET", "/verify/coverage")
