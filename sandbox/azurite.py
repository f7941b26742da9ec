"""Start and stop Azurite's queue service (npm `azurite`, from ./node_modules) on a free port.

Azurite binds port 0 itself and prints the port it got, so there is no pick-then-bind race.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
AZURITE_QUEUE = REPO_ROOT / "node_modules" / ".bin" / "azurite-queue"

# Azurite's documented development account; public, not a secret.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
_LISTENING_RE = re.compile(r"Queue service successfully listens on https?://[^:]+:(\d+)")


class AzuriteError(RuntimeError):
    """Azurite could not be started."""


def connection_string(port: int, host: str = "127.0.0.1", scheme: str = "http") -> str:
    """Storage connection string of an Azurite queue service on `host:port`."""
    return (
        f"DefaultEndpointsProtocol={scheme};AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"QueueEndpoint={scheme}://{host}:{port}/{ACCOUNT_NAME};"
    )


@dataclass
class Azurite:
    """A running Azurite queue service; `stop()` ends it (idempotent)."""

    process: subprocess.Popen[str]
    queue_port: int
    state_dir: Path
    output: list[str] = field(default_factory=list)
    scheme: str = "http"

    @property
    def connection_string(self) -> str:
        return connection_string(self.queue_port, scheme=self.scheme)

    @property
    def queue_service_uri(self) -> str:
        """The account's queue endpoint, for identity-based clients (needs `tls` + `oauth`)."""
        return f"{self.scheme}://127.0.0.1:{self.queue_port}/{ACCOUNT_NAME}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        # Azurite runs under its own process group (start_new_session): end exactly that group.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


def start_azurite(
    state_dir: Path,
    *,
    in_memory: bool = True,
    port: int = 0,
    tls: tuple[Path, Path] | None = None,
    oauth: bool = False,
    startup_timeout: float = 30.0,
) -> Azurite:
    """Start `azurite-queue` on 127.0.0.1 and return once it listens.

    `in_memory=True` keeps nothing on disk; otherwise data lives under `state_dir/azurite`.
    `tls=(cert.pem, key.pem)` serves HTTPS; `oauth=True` also accepts bearer tokens (Azurite
    checks their issuer, audience and lifetime, not their signature) — both together let
    the identity-based events path run locally.
    """
    if oauth and tls is None:
        raise AzuriteError("Azurite accepts bearer tokens only over HTTPS: pass tls=(cert, key)")
    if not AZURITE_QUEUE.exists():
        raise AzuriteError(f"{AZURITE_QUEUE} is missing: run `make bootstrap` (npm install)")
    state_dir.mkdir(parents=True, exist_ok=True)
    args = [
        str(AZURITE_QUEUE),
        "--queueHost",
        "127.0.0.1",
        "--queuePort",
        str(port),
        "--skipApiVersionCheck",
        "--disableTelemetry",
        "--silent",
    ]
    if tls is not None:
        args += ["--cert", str(tls[0]), "--key", str(tls[1])]
    if oauth:
        args += ["--oauth", "basic"]
    if in_memory:
        args += ["--inMemoryPersistence", "--extentMemoryLimit", "64"]
    else:
        location = state_dir / "azurite"
        location.mkdir(exist_ok=True)
        args += ["--location", str(location)]
    process = subprocess.Popen(
        args,
        cwd=state_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    found = threading.Event()
    port_box: list[int] = []

    def read_output() -> None:
        # Keeps draining stdout for Azurite's whole life so it never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            if len(output) < 200:
                output.append(line.rstrip())
            match = _LISTENING_RE.search(line)
            if match and not port_box:
                port_box.append(int(match.group(1)))
                found.set()
        found.set()

    threading.Thread(target=read_output, name="azurite-output", daemon=True).start()
    # Set when Azurite prints its port, or when its output ends (it exited).
    found.wait(timeout=startup_timeout)
    scheme = "https" if tls is not None else "http"
    azurite = Azurite(process, port_box[0] if port_box else 0, state_dir, output, scheme)
    if not port_box:
        azurite.stop()
        raise AzuriteError("Azurite did not start: " + " | ".join(output[-10:]))
    return azurite
