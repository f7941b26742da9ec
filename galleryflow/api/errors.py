"""The one error shape of the HTTP API: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from typing import Any

from galleryflow.devops.errors import DevOpsInputError

Problem = dict[str, str]


class ApiError(Exception):
    """An error the API answers with a 4xx and a JSON body; never carries secrets."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Problem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = dict(headers or {})  # e.g. Retry-After on a 503

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: str, message: str, details: list[Problem] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": list(details or [])}}


def problem(path: str, message: str, hint: str = "") -> Problem:
    return {"path": path, "message": message, "hint": hint}


def validation_failed(details: list[Problem], what: str = "request") -> ApiError:
    count = len(details)
    noun = "problem" if count == 1 else "problems"
    return ApiError(
        400,
        "ValidationFailed",
        f"The {what} has {count} {noun}; fix every entry in details and send it again.",
        details,
    )


def run_in_progress(running: str, message: str) -> ApiError:
    """409: the live run `running` holds the image definition; `message` says what to do."""
    return ApiError(
        409,
        "RunInProgress",
        message,
        [problem("$.image_definition", f"busy with run {running}", f"GET /api/runs/{running}")],
    )


def idempotency_key_reused(run_id: str) -> ApiError:
    """409: the idempotency key already made run `run_id` from a different request body."""
    return ApiError(
        409,
        "IdempotencyKeyReused",
        f"Idempotency key already used by run {run_id} with a different request body. "
        "Send the same body to join that run, or use a new key for a new publish.",
        [
            problem(
                "$.idempotency_key",
                f"made run {run_id} from a different body",
                f"GET /api/runs/{run_id}",
            )
        ],
    )


def not_cancellable(run_id: str, kind: str, step: str) -> ApiError:
    """409: the run is at a step that does not stop for `cancel`."""
    return ApiError(
        409,
        "NotCancellable",
        f"Run {run_id} ({kind}) is at step {step}, which cannot be cancelled. A publish "
        "takes cancel at every step, a prune run while it prunes, a version change before "
        "its writes and while added regions replicate; a rollback is one write that "
        "finishes in seconds, and a change's promotion is its last write. Wait for the run "
        "to end (GET /api/runs/" + run_id + ").",
        [problem("$.step", f"{step} is not cancellable", f"GET /api/runs/{run_id}")],
    )


# How a refused DevOps input (galleryflow.devops.errors) is answered over HTTP.
DEVOPS_STATUS = {"invalid": 400, "unauthorized": 401, "disabled": 403}


def from_devops(error: DevOpsInputError) -> ApiError:
    return ApiError(DEVOPS_STATUS[error.kind], error.code, error.message, error.details)


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "NotFound", f"No {what} with id {ident!r}.")


def rollback_refused(
    run_id: str, refusal: dict[str, Any], *, code: str = "RollbackRefused", what: str = "rollback"
) -> ApiError:
    """409: the rollback (or version-change) run refused (nothing changed); reasons and
    latest per region."""
    reasons = [str(r) for r in refusal.get("reasons") or []]
    before = _mapping(refusal.get("before"))
    after = _mapping(refusal.get("after"))
    details = [
        problem("$.version", reason, "nothing was changed; fix this and send it again")
        for reason in reasons
    ]
    for region in sorted(set(before) | set(after)):
        details.append(
            problem(
                f"latest.{region}",
                f"latest before {before.get(region) or 'none'}, "
                f"after {after.get(region) or 'none'}",
                "publish or keep another good, fully replicated version in this region first",
            )
        )
    return ApiError(
        409,
        code,
        f"{what} refused: nothing was changed (run {run_id}): " + "; ".join(reasons),
        details,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
