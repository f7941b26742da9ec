"""The HTTPS server: TLS from a throwaway trustme CA, one lock around the store, request log."""

from __future__ import annotations

import signal
import socket
import ssl
import struct
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.arm import (
    control,
    faults,
    handlers,
    patch_routes,  # noqa: F401  (registers the patching routes)
    permission_routes,  # noqa: F401  (registers the permissions route)
)
from sandbox.arm.errors import ArmError
from sandbox.arm.http import Request, Response
from sandbox.arm.store import Store


def ensure_certificates(state_dir: Path) -> tuple[Path, Path]:
    """ca.pem + server cert/key for 127.0.0.1 and localhost; reused on restart."""
    ca_file, cert_file, key_file = (
        state_dir / n for n in ("ca.pem", "server.pem", "server-key.pem")
    )
    if not (ca_file.exists() and cert_file.exists() and key_file.exists()):
        import trustme

        ca = trustme.CA()
        server = ca.issue_cert("127.0.0.1", "localhost")
        server.private_key_pem.write_to_path(str(key_file))
        with cert_file.open("wb") as handle:
            for blob in server.cert_chain_pems:
                handle.write(blob.bytes())
        ca.cert_pem.write_to_path(str(ca_file))
    return cert_file, key_file


class ArmRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without TCP_NODELAY every answer waits
    # ~40 ms for the client's delayed ACK
    disable_nagle_algorithm = True
    server: ArmServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log lives in requests.jsonl and GET /_sandbox/requests."""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        req = Request(
            method=self.command,
            path=unquote(split.path),
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            base_url=self.server.base_url,
        )
        store = self.server.store
        with store.lock:
            wire = None
            if not req.path.startswith("/_sandbox/"):
                wire = faults.take_wire_fault(store, req.method, req.path)
            if wire is not None and wire["kind"] == "reset":
                store.log_request(
                    {
                        "seq": len(store.requests) + 1,
                        "method": req.method,
                        "path": req.path,
                        "fault": wire["id"],
                        "status": 0,  # no answer: the connection was reset
                        "time": store.now_iso(),
                        "wall_time": time.time(),
                    }
                )
                store.save()
                self._reset()
                return
            response = self._dispatch(store, req)
            store.save()
        if wire is not None:  # a delay: done, but the answer comes late (wall clock)
            time.sleep(wire["seconds"])
        payload = response.payload()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-ms-request-id", str(len(store.requests)))
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    def _reset(self) -> None:
        """Drop the connection unanswered: linger 0 makes the close a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _dispatch(self, store: Store, req: Request) -> Response:
        if req.path.startswith("/_sandbox/"):
            try:
                return control.handle(store, req)
            except ArmError as exc:
                return Response(exc.status, exc.body(), exc.headers)
        log: dict[str, Any] = {
            "seq": len(store.requests) + 1,
            "method": req.method,
            "path": req.path,
            "api_version": req.query.get("api-version"),
            "principal": None,
            "action": None,
        }
        try:
            response = handlers.handle(store, req, log)
        except ArmError as exc:
            response = Response(exc.status, exc.body(), exc.headers)
        except Exception:  # a bug in the emulator: answer 500 and show the trace on stderr
            traceback.print_exc()
            response = Response(
                500,
                {
                    "error": {
                        "code": "InternalServerError",
                        "message": "Emulator bug; see its stderr.",
                    }
                },
            )
        log.update(status=response.status, time=store.now_iso(), wall_time=time.time())
        store.log_request(log)
        return response

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _serve


class ArmServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, store: Store, cert: Path, key: Path) -> None:
        super().__init__(("127.0.0.1", port), ArmRequestHandler)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(str(cert), str(key))
        self.store = store
        self.base_url = f"https://127.0.0.1:{self.server_address[1]}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the connection's own thread, so a slow or plain-HTTP
        # client cannot stall the accept loop.
        request.settimeout(30)
        try:
            tls_socket = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(tls_socket, client_address)


def serve(port: int, state_dir: Path, seed: int = 0, clock_scale: float | None = None) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    cert, key = ensure_certificates(state_dir)
    store = Store(state_dir, seed=seed, clock_scale=clock_scale)
    store.save()
    server = ArmServer(port, store, cert, key)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"READY {server.base_url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        with store.lock:
            store.save()
        server.server_close()
        sys.stdout.flush()
