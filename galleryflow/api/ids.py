"""Durable instance ids derived from request identity, so retries land on the same run."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from galleryflow.domain.resource_ids import definition_id, gallery_id

GALLERY_PARTS = ("subscription_id", "resource_group", "name")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
INSTANCE_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def _digest(*parts: str, length: int = 24) -> str:
    joined = "\n".join(parts).encode("utf-8")
    return hashlib.sha256(joined).hexdigest()[:length]


def definition_key(request: dict[str, Any]) -> str:
    """Which image definition a (canonical) request works on, case-insensitively."""
    gallery = request.get("gallery") if isinstance(request.get("gallery"), dict) else {}
    return definition_id(gallery or {}, request.get("image_definition", "")).lower()


def publish_instance_id(canonical_request: dict[str, Any]) -> str | None:
    """`pub-<sha256(gallery id + definition + key)[:24]>` when the request has an
    idempotency key (docs/CONTRACTS.md), else None (the caller uses a fresh uuid4 hex)."""
    key = canonical_request.get("idempotency_key")
    if not key:
        return None
    gallery = canonical_request.get("gallery") or {}
    return "pub-" + _digest(
        gallery_id(*(gallery.get(k, "") for k in GALLERY_PARTS)).lower(),
        str(canonical_request.get("image_definition", "")).lower(),
        str(key),
    )


def body_digest(canonical_request: Any) -> str:
    """sha256 of a canonical request as sorted, compact JSON: equal iff the bodies are."""
    text = json.dumps(canonical_request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def devops_job_key(plan_id: str, job_id: str) -> str:
    """An idempotency key for one DevOps job: the same PlanId+JobId joins the same run."""
    return "ado-" + _digest(plan_id.lower(), job_id.lower(), length=32)


def devops_watch_instance_id(plan_id: str, job_id: str) -> str:
    return "adocb-" + _digest(plan_id.lower(), job_id.lower())


def hook_delivery_key(event: dict[str, Any]) -> str:
    """One key per service-hook event, equal for its retried deliveries.

    Samples reuse one placeholder `id` across event types, and only some deliveries carry
    `notificationId`/`subscriptionId`, so all of them go into the key.
    """
    return _digest(
        str(event.get("id", "")),
        str(event.get("eventType", "")),
        str(event.get("subscriptionId", "")),
        str(event.get("notificationId", "")),
        length=32,
    )


def hook_idempotency_key(delivery_key: str, pipeline_name: str) -> str:
    return "hook-" + _digest(delivery_key, pipeline_name, length=32)
