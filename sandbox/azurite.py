"""Start and stop Azurite's queue service (npm `azurite`, from ./node_modules) on a free port.

Azurite binds port 0 itself and prints the port it got, so there is no pick-then-bind race.
It is started by the sandbox's one launcher (sandbox/process.py `launch_command`), which
drains its output into `state_dir/azurite.log` and stops it by its process group.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sandbox.process import ProcessStartError, SandboxProcess, launch_command

REPO_ROOT = Path(__file__).resolve().parent.parent
AZURITE_QUEUE = REPO_ROOT / "node_modules" / ".bin" / "azurite-queue"

# Azurite's documented development account; public, not a secret.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
_LISTENING_RE = re.compile(r"Queue service successfully listens on (https?://[^:]+:\d+)")


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

    process: SandboxProcess
    queue_port: int
    state_dir: Path
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
        # Azurite runs under its own process group (start_new_session): end exactly that group.
        self.process.stop(timeout=timeout)


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
    try:
        process = launch_command(
            "Azurite",
            args,
            log_path=state_dir / "azurite.log",
            env=os.environ,
            cwd=state_dir,
            ready=_listening_url,
            timeout=startup_timeout,
        )
    except ProcessStartError as exc:
        raise AzuriteError(f"Azurite did not start: {exc}") from None
    scheme = "https" if tls is not None else "http"
    return Azurite(process, int(process.url.rsplit(":", 1)[1]), state_dir, scheme)


def _listening_url(line: str) -> str | None:
    """`http(s)://127.0.0.1:<port>` from Azurite's "listens on" line; None for other lines."""
    match = _LISTENING_RE.search(line)
    return match.group(1) if match else None
