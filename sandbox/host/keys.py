"""Host keys in STATE/host_keys.json, created on first start, and the authLevel checks."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

SYSTEM_KEY_NAME = "durabletask_extension"


@dataclass(frozen=True)
class HostKeys:
    master: str
    function_keys: dict[str, str]
    system_keys: dict[str, str]

    @property
    def durable_system_key(self) -> str:
        return self.system_keys[SYSTEM_KEY_NAME]

    def is_master(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate, self.master)

    def allows(self, auth_level: str, candidate: str | None) -> bool:
        """anonymous: anyone; function: a function key or the master key; admin: master only."""
        level = auth_level.lower()
        if level == "anonymous":
            return True
        if candidate is None:
            return False
        if self.is_master(candidate):
            return True
        if level == "function":
            return any(hmac.compare_digest(candidate, k) for k in self.function_keys.values())
        return False

    def allows_durable_webhook(self, candidate: str | None) -> bool:
        if candidate is None:
            return False
        return self.is_master(candidate) or hmac.compare_digest(candidate, self.durable_system_key)


def _new_key() -> str:
    return secrets.token_urlsafe(40)


def load_or_create(state_dir: Path) -> HostKeys:
    """Read the key file, filling in whatever is missing (and writing it back, mode 0600)."""
    path = state_dir / "host_keys.json"
    data: dict = json.loads(path.read_text()) if path.exists() else {}
    changed = not path.exists()
    if not data.get("masterKey"):
        data["masterKey"] = _new_key()
        changed = True
    function_keys = data.setdefault("functionKeys", {})
    if not function_keys.get("default"):
        function_keys["default"] = _new_key()
        changed = True
    system_keys = data.setdefault("systemKeys", {})
    if not system_keys.get(SYSTEM_KEY_NAME):
        system_keys[SYSTEM_KEY_NAME] = _new_key()
        changed = True
    if changed:
        path.write_text(json.dumps(data, indent=2))
        path.chmod(0o600)
    return HostKeys(
        master=data["masterKey"],
        function_keys=dict(function_keys),
        system_keys=dict(system_keys),
    )
