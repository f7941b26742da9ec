"""The DevOps fake: `python -m sandbox devops --state-dir DIR [--port N]`.

Routes (paths as Azure DevOps has them, under any organization prefix):
  POST .../{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/events
  POST .../{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/timelines/{tl}/records/{rec}/feed
Control (no token): GET /_sandbox/requests, POST /_sandbox/faults {"status", "count", "kind",
"location"?} (a 3xx with `location` redirects; `/_sandbox/landing` records who followed one).

A request without `Authorization: Bearer <token>` (or basic auth with the token as the
password, like Microsoft's helper sample) gets 401. Records never contain the token.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

_PLAN = r"/(?P<project>[^/]+)/_apis/distributedtask/hubs/(?P<hub>[^/]+)/plans/(?P<plan>[^/]+)"
EVENTS = re.compile(_PLAN + r"/events$")
FEED = re.compile(_PLAN + r"/timelines/(?P<timeline>[^/]+)/records/(?P<record>[^/]+)/feed$")
MAX_BODY = 1024 * 1024


@dataclass
class FakeState:
    token: str
    log_path: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = len(self.records) + 1
            self.records.append(entry)
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")

    def take_fault(self, kind: str) -> dict[str, Any] | None:
        with self.lock:
            for fault in self.faults:
                if fault["count"] > 0 and fault["kind"] in (kind, "any"):
                    fault["count"] -= 1
                    return dict(fault)
        return None


def _authorized(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value).decode("utf-8").partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode(), token.encode())


class Handler(BaseHTTPRequestHandler):
    server_version = "galleryflow-devops-fake"
    state: FakeState  # set on the subclass built by make_server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the records are the log
        return

    def _send(self, status: int, body: Any, location: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return {"_unparsed": raw[:2000].decode("utf-8", "replace")}

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/_sandbox/requests":
            with self.state.lock:
                self._send(200, {"requests": list(self.state.records)})
            return
        self._send(404, {"message": "not found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self._body()
        if url.path == "/_sandbox/faults":
            fault: dict[str, Any] = {
                "status": int(body.get("status", 503)),
                "count": int(body.get("count", 1)),
                "kind": str(body.get("kind", "any")),
                "location": body.get("location"),  # sent with a 3xx status
            }
            with self.state.lock:
                self.state.faults.append(fault)
            self._send(200, fault)
            return
        if url.path == "/_sandbox/landing":
            # Where a redirect fault points: any request arriving here followed a redirect.
            authorized = _authorized(self.headers.get("Authorization", ""), self.state.token)
            self.state.record({"kind": "landing", "path": url.path, "authorized": authorized})
            self._send(200, {})
            return
        match, kind = EVENTS.search(url.path), "event"
        if match is None:
            match, kind = FEED.search(url.path), "feed"
        if match is None:
            self._send(404, {"message": f"no such route {url.path}"})
            return
        authorized = _authorized(self.headers.get("Authorization", ""), self.state.token)
        status, location = (200 if authorized else 401), None
        injected = self.state.take_fault(kind) if authorized else None
        if injected is not None:
            status, location = int(injected["status"]), injected.get("location")
        self.state.record(
            {
                "kind": kind,
                "path": url.path,
                "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                "authorized": authorized,
                "status": status,
                "body": body,
                **match.groupdict(),
            }
        )
        self._send(status, {} if status < 300 else {"message": f"HTTP {status}"}, location)


def make_server(port: int, state_dir: Path, token: str) -> ThreadingHTTPServer:
    state_dir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(state_dir / "ca.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    handler = type(
        "BoundHandler", (Handler,), {"state": FakeState(token, state_dir / "requests.jsonl")}
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    return server


def serve(port: int, state_dir: Path, token: str) -> None:
    server = make_server(port, state_dir, token)
    print(f"READY https://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()
