"""Every app setting galleryflow reads (local.settings.json `Values`, app settings in Azure).

`SETTINGS` is the one table: name, default and a doc line for each (docs/CONTRACTS.md's
settings table is tested against it). The typed views read the process environment (or a
given mapping) each time they are built; building one is cheap, and a changed app setting
needs no restart:
- `AzureSettings` for the gateway (frozen and hashable: part of the client cache key);
- `AppSettings` for triggers and activities (subscription default, pipelines, DevOps).
Secrets are marked in the table and kept out of every repr. No other product module reads
`os.environ` (tests/test_settings.py checks).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from galleryflow.devops.task import DEFAULT_ALLOWED_HOSTS, allowed_hosts_from_setting
from galleryflow.identity.principal import PUBLISHER, READER, ROLES

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"
DEFAULT_EVENTS_QUEUE = "galleryflow-events"
DEFAULT_ARM_RETRY_TOTAL = 4
DEFAULT_ARM_POLLING_INTERVAL = 5
DEFAULT_ARM_READ_TIMEOUT = 300  # azure-core's own default (seconds)
DEFAULT_DEVOPS_POLL_SECONDS = 15.0
DEFAULT_DEVOPS_POLL_MAX_SECONDS = 120.0
DEFAULT_DEVOPS_RETRY_SECONDS = 2.0
EASY_AUTH = "GALLERYFLOW_EASY_AUTH"
KEY_ROLES = "GALLERYFLOW_KEY_ROLES"
SEPARATION = "GALLERYFLOW_SEPARATION_OF_DUTIES"
SEPARATION_MODES = ("production", "always", "off")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | int | float | None
    doc: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("GALLERYFLOW_ARM_ENDPOINT", DEFAULT_ARM_ENDPOINT, "ARM base URL (https only)"),
    Setting("GALLERYFLOW_ARM_CA_BUNDLE", None, "CA file for ARM TLS (sandbox only)"),
    Setting(
        "GALLERYFLOW_ARM_STATIC_TOKEN",
        None,
        "static bearer token instead of DefaultAzureCredential (sandbox only)",
        secret=True,
    ),
    Setting(
        "GALLERYFLOW_ARM_RETRY_TOTAL",
        DEFAULT_ARM_RETRY_TOTAL,
        "azure-core retries of 408/429/5xx (Retry-After honoured)",
    ),
    Setting(
        "GALLERYFLOW_ARM_POLLING_INTERVAL",
        DEFAULT_ARM_POLLING_INTERVAL,
        "LRO poll seconds when ARM sends no Retry-After",
    ),
    Setting(
        "GALLERYFLOW_ARM_READ_TIMEOUT",
        DEFAULT_ARM_READ_TIMEOUT,
        "seconds azure-core waits for an ARM answer (the fault matrix lowers it)",
    ),
    Setting("AZURE_CLIENT_ID", None, "user-assigned managed identity client id"),
    Setting(
        "GALLERYFLOW_SUBSCRIPTION_ID", None, "default subscription (versions, rollback, prune)"
    ),
    Setting("GALLERYFLOW_EVENTS_QUEUE", DEFAULT_EVENTS_QUEUE, "queue name for events"),
    Setting(
        "GALLERYFLOW_EVENTS_CONNECTION_STRING",
        None,
        "storage connection string for events (Azurite in the sandbox)",
        secret=True,
    ),
    Setting(
        "GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI", None, "queue service URI, identity-based (Azure)"
    ),
    Setting(
        "GALLERYFLOW_NIGHTLY_SCHEDULE",
        None,
        "NCRONTAB of the nightly rebuild (read by the host: `%GALLERYFLOW_NIGHTLY_SCHEDULE%`)",
    ),
    Setting(
        "GALLERYFLOW_PIPELINES_FILE",
        None,
        "JSON/YAML file listing image pipelines (nightly, DevOps task and hooks)",
    ),
    Setting(
        "GALLERYFLOW_INUSE_SUBSCRIPTIONS",
        None,
        "comma list of more subscriptions whose VMs/scale sets/disks prune checks for "
        "in-use versions",
    ),
    Setting(
        "GALLERYFLOW_INUSE_RESOURCE_GRAPH",
        "false",
        "true: the in-use scan is one Azure Resource Graph query (role action "
        "Microsoft.ResourceGraph/resources/read) instead of the VM, scale set and disk lists",
    ),
    Setting(
        "GALLERYFLOW_DEVOPS_ALLOWED_HOSTS",
        ",".join(DEFAULT_ALLOWED_HOSTS),
        "comma list of PlanUrl host patterns that may be called back",
    ),
    Setting("GALLERYFLOW_DEVOPS_CA_BUNDLE", None, "CA file for DevOps callbacks (sandbox only)"),
    Setting(
        "GALLERYFLOW_DEVOPS_HOOK_SECRET",
        None,
        "shared secret of service hooks (unset: hooks answer 403)",
        secret=True,
    ),
    Setting(
        "GALLERYFLOW_DEVOPS_POLL_SECONDS",
        DEFAULT_DEVOPS_POLL_SECONDS,
        "DevOps watcher: first look interval, doubling while the run is quiet",
    ),
    Setting(
        "GALLERYFLOW_DEVOPS_POLL_MAX_SECONDS",
        DEFAULT_DEVOPS_POLL_MAX_SECONDS,
        "DevOps watcher: longest interval between looks",
    ),
    Setting(
        "GALLERYFLOW_DEVOPS_RETRY_SECONDS",
        DEFAULT_DEVOPS_RETRY_SECONDS,
        "DevOps callback retry backoff base (tests use 0.05)",
    ),
    Setting(
        EASY_AUTH,
        "false",
        "`true`: App Service Authentication (Easy Auth) is on: trust its X-MS-CLIENT-PRINCIPAL, "
        "people's routes skip the key. Never true without Easy Auth (docs/api.md)",
    ),
    Setting(
        KEY_ROLES,
        None,
        "roles of function-key callers: comma list of publisher, approver, operator, reader, "
        "or none (unset: publisher,reader with Easy Auth, all four without)",
    ),
    Setting(
        SEPARATION,
        SEPARATION_MODES[0],
        "who started a run may not approve/reject it: production (runs with production true), "
        "always, off",
    ),
)


class SettingsError(ValueError):
    """An app setting has a value galleryflow cannot use."""


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _opt(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must be >= 0")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """Lenient: an unreadable value falls back to the default (a watcher must keep going)."""
    try:
        return max(0.0, float(env.get(name, default)))
    except ValueError:
        return default


@dataclass(frozen=True)
class AzureSettings:
    """What the gateway reads. Frozen and hashable: it is part of the client cache key."""

    arm_endpoint: str = DEFAULT_ARM_ENDPOINT
    arm_ca_bundle: str | None = None
    # Sandbox only. repr=False keeps secrets out of logs and tracebacks.
    arm_static_token: str | None = field(default=None, repr=False)
    managed_identity_client_id: str | None = None
    default_subscription_id: str | None = None
    events_queue: str = DEFAULT_EVENTS_QUEUE
    events_connection_string: str | None = field(default=None, repr=False)
    events_queue_service_uri: str | None = None
    arm_retry_total: int = DEFAULT_ARM_RETRY_TOTAL
    arm_polling_interval: int = DEFAULT_ARM_POLLING_INTERVAL
    arm_read_timeout: int = DEFAULT_ARM_READ_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AzureSettings:
        env = _environ(environ)
        endpoint = (_opt(env, "GALLERYFLOW_ARM_ENDPOINT") or DEFAULT_ARM_ENDPOINT).rstrip("/")
        if not endpoint.startswith("https://"):
            raise SettingsError(
                f"GALLERYFLOW_ARM_ENDPOINT={endpoint!r} must start with https:// "
                "(bearer tokens are never sent over plain http)"
            )
        ca_bundle = _opt(env, "GALLERYFLOW_ARM_CA_BUNDLE")
        if ca_bundle and not os.path.isfile(ca_bundle):
            raise SettingsError(f"GALLERYFLOW_ARM_CA_BUNDLE={ca_bundle!r} is not a file")
        return cls(
            arm_endpoint=endpoint,
            arm_ca_bundle=ca_bundle,
            arm_static_token=_opt(env, "GALLERYFLOW_ARM_STATIC_TOKEN"),
            managed_identity_client_id=_opt(env, "AZURE_CLIENT_ID"),
            default_subscription_id=_opt(env, "GALLERYFLOW_SUBSCRIPTION_ID"),
            events_queue=_opt(env, "GALLERYFLOW_EVENTS_QUEUE") or DEFAULT_EVENTS_QUEUE,
            events_connection_string=_opt(env, "GALLERYFLOW_EVENTS_CONNECTION_STRING"),
            events_queue_service_uri=_opt(env, "GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI"),
            arm_retry_total=_int(env, "GALLERYFLOW_ARM_RETRY_TOTAL", DEFAULT_ARM_RETRY_TOTAL),
            arm_polling_interval=_int(
                env, "GALLERYFLOW_ARM_POLLING_INTERVAL", DEFAULT_ARM_POLLING_INTERVAL
            ),
            arm_read_timeout=_int(env, "GALLERYFLOW_ARM_READ_TIMEOUT", DEFAULT_ARM_READ_TIMEOUT),
        )


@dataclass(frozen=True)
class AppSettings:
    """What the triggers and activities read besides the gateway's settings."""

    default_subscription_id: str | None = None
    pipelines_file: str | None = None
    devops_allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    devops_ca_bundle: str | None = None
    devops_hook_secret: str | None = field(default=None, repr=False)
    devops_poll_seconds: float = DEFAULT_DEVOPS_POLL_SECONDS
    devops_poll_max_seconds: float = DEFAULT_DEVOPS_POLL_MAX_SECONDS
    devops_retry_seconds: float = DEFAULT_DEVOPS_RETRY_SECONDS
    # besides the gallery's and the source VMs' subscriptions (always scanned)
    in_use_subscriptions: tuple[str, ...] = ()
    in_use_resource_graph: bool = False  # one Resource Graph query instead of the lists

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = _environ(environ)
        return cls(
            default_subscription_id=_opt(env, "GALLERYFLOW_SUBSCRIPTION_ID"),
            pipelines_file=_opt(env, "GALLERYFLOW_PIPELINES_FILE"),
            devops_allowed_hosts=tuple(
                allowed_hosts_from_setting(env.get("GALLERYFLOW_DEVOPS_ALLOWED_HOSTS"))
            ),
            devops_ca_bundle=_opt(env, "GALLERYFLOW_DEVOPS_CA_BUNDLE"),
            devops_hook_secret=env.get("GALLERYFLOW_DEVOPS_HOOK_SECRET") or None,
            devops_poll_seconds=_seconds(
                env, "GALLERYFLOW_DEVOPS_POLL_SECONDS", DEFAULT_DEVOPS_POLL_SECONDS
            ),
            devops_poll_max_seconds=_seconds(
                env, "GALLERYFLOW_DEVOPS_POLL_MAX_SECONDS", DEFAULT_DEVOPS_POLL_MAX_SECONDS
            ),
            devops_retry_seconds=_seconds(
                env, "GALLERYFLOW_DEVOPS_RETRY_SECONDS", DEFAULT_DEVOPS_RETRY_SECONDS
            ),
            in_use_subscriptions=tuple(
                part.strip()
                for part in (env.get("GALLERYFLOW_INUSE_SUBSCRIPTIONS") or "").split(",")
                if part.strip()
            ),
            in_use_resource_graph=_flag(env, "GALLERYFLOW_INUSE_RESOURCE_GRAPH"),
        )


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise SettingsError(f"{name}={raw[:20]!r} is not true or false")
    return raw in _TRUE


@dataclass(frozen=True)
class AuthSettings:
    """Identity and authorization (galleryflow/identity, triggers/auth.py).

    `easy_auth` says App Service Authentication is on, so `X-MS-CLIENT-PRINCIPAL` was set by
    the platform and is trusted. Only then: without Easy Auth nothing strips that header
    from a request, and anyone who can reach the app could name themselves an approver.
    Bicep sets it in the same deployment that turns Easy Auth on, from the same parameter.
    """

    easy_auth: bool = False
    # Roles of a function-key caller. Default: every role while keys are the only credential
    # (Easy Auth off, as before); publisher + reader once people sign in with Entra ID.
    key_roles: frozenset[str] = frozenset(ROLES)
    separation_of_duties: str = SEPARATION_MODES[0]

    def separation_applies(self, production: bool) -> bool:
        mode = self.separation_of_duties
        return mode == "always" or (mode == "production" and production)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthSettings:
        env = _environ(environ)
        raw_easy = env.get(EASY_AUTH, "").strip().lower()
        if raw_easy not in _TRUE + _FALSE:
            raise SettingsError(f"{EASY_AUTH}={raw_easy[:20]!r} is not true or false")
        easy_auth = raw_easy in _TRUE
        raw_roles = env.get(KEY_ROLES, "").strip()
        if raw_roles:
            key_roles = frozenset(r.strip().lower() for r in raw_roles.split(",") if r.strip())
            unknown = sorted(key_roles - set(ROLES) - {"none"})
            if unknown:
                raise SettingsError(
                    f"{KEY_ROLES} names unknown roles {unknown}; use some of {', '.join(ROLES)}"
                    " (comma-separated) or none"
                )
            key_roles -= {"none"}
        else:
            key_roles = frozenset({PUBLISHER, READER}) if easy_auth else frozenset(ROLES)
        separation = env.get(SEPARATION, "").strip().lower() or SEPARATION_MODES[0]
        if separation not in SEPARATION_MODES:
            raise SettingsError(
                f"{SEPARATION}={separation[:20]!r}: use one of {', '.join(SEPARATION_MODES)}"
            )
        return cls(easy_auth, key_roles, separation)
