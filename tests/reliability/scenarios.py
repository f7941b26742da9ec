"""Fault-matrix cells beyond one fault on one operation, each enumerated from what the app
declares (no hand-written list):

- missing RBAC action: every action in galleryflow/azure/actions.ARM_ACTIONS, denied to
  galleryflow's principal on the emulator -> the run fails naming the action (or, for a
  step after promotion, ends with a warning), the invariants hold;
- duplicate webhooks: every service-hook event type galleryflow handles
  (galleryflow/devops/hooks.HANDLED_EVENTS), its recorded payload delivered twice, one after
  the other and both at once -> one run, one version;
- concurrent runs: a publish raced by a run of every kind (galleryflow/api/runs.RUN_KINDS)
  on the same definition, and by a publish of another definition from the same source VM,
  all through the HTTP API at once -> the lock lets one through, the others are refused.
"""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from galleryflow.api.runs import RUN_KINDS
from galleryflow.azure.actions import ARM_ACTIONS
from galleryflow.devops.hooks import HANDLED_EVENTS, read_event
from sandbox.stack import Stack
from tests.reliability.matrix import Cell, declared_operations, options_for
from tests.reliability.worker import HOOK_SECRET, Worker

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "devops-payloads"
SHARED_VM = "publish-shared-vm"  # the racer that publishes another definition, same VM


def rbac_cells() -> list[Cell]:
    operations = declared_operations()
    found = []
    for index, action in enumerate(sorted(ARM_ACTIONS)):
        users = sorted(op for op, actions in operations.items() if action in actions)
        plain = [op for op in users if not options_for(op)]  # on every publish's path
        options = {} if plain or not users else options_for(users[0])
        found.append(Cell(f"r{index:02d}", f"{action} denied", (), {**options, "deny": action}))
    return found


def webhook_cells() -> list[Cell]:
    found = []
    for index, event_type in enumerate(HANDLED_EVENTS):
        for together in (False, True):
            how = "at once" if together else "one after the other"
            found.append(
                Cell(
                    f"h{index}{'b' if together else 'a'}",
                    f"{event_type} delivered twice, {how}",
                    (),
                    {"hook": event_type, "together": together},
                )
            )
    return found


def race_cells() -> list[Cell]:
    kinds = [*sorted(set(RUN_KINDS.values())), SHARED_VM]
    return [
        Cell(f"x{index}", f"a publish raced by a {kind} run", (), {"race": kind})
        for index, kind in enumerate(kinds)
    ]


def scenario_cells() -> list[Cell]:
    return [*rbac_cells(), *webhook_cells(), *race_cells()]


# ---- running them ----------------------------------------------------------------------


def payload(event_type: str) -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / f"{event_type}.json").read_text()))


def deliver_hook(
    worker: Worker, cell: Cell, request: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """The cell's pipeline mapped to the event, the event delivered twice: (run ids, problems)."""
    event = payload(cell.options["hook"])
    facts = read_event(event)
    assert facts is not None and facts.names, cell.options["hook"]
    hooked = {k: v for k, v in request.items() if k != "idempotency_key"}
    worker.pipelines(
        [
            {
                "name": cell.name,
                "nightly": False,
                "devops": {"events": [facts.event_type], "source": facts.names[0]},
                "request": hooked,
            }
        ]
    )
    basic = "Basic " + base64.b64encode(f"devops:{HOOK_SECRET}".encode()).decode()
    stack = worker.stack

    def post(_: int) -> Any:
        return stack.api("POST", "devops/hook", event, headers={"Authorization": basic})

    if cell.options.get("together"):
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post, range(2)))
    else:
        answers = [post(0), post(1)]
    problems = [
        f"hook answered {a.status_code}: {a.text[:300]}" for a in answers if a.status_code != 202
    ]
    runs = [r.get("run_id") for a in answers if a.status_code == 202 for r in a.json()["runs"]]
    if len(runs) != 2 or None in runs:
        problems.append(
            f"each delivery should name the pipeline's run: {[a.text[:300] for a in answers]}"
        )
    started = sorted({r for r in runs if r})
    if len(started) != 1:
        problems.append(f"two deliveries of one event started {len(started)} runs: {started}")
    return started, problems


def race(worker: Worker, cell: Cell, setup: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A publish and the cell's racer started through the HTTP API at once: (the runs that
    exist afterwards, problems with the answers)."""
    stack = worker.stack
    ids, request = setup["ids"], setup["request"]
    kind = cell.options["race"]
    target = {"gallery": ids.gallery, "image_definition": ids.definition}
    routes: dict[str, tuple[str, dict[str, Any]]] = {
        "publish": ("publish", {**request, "idempotency_key": f"{cell.name}-racer"}),
        "rollback": ("rollback", {**target, "version": "0.0.4"}),
        "prune": ("prune", {**target, "retention": request["retention"], "apply": True}),
        "change": (
            "versions/end-of-life",
            {**target, "version": "0.0.4", "end_of_life": "2098-01-01T00:00:00Z"},
        ),
        SHARED_VM: (
            "publish",
            {
                **request,
                "image_definition": setup["other"],
                "idempotency_key": f"{cell.name}-other",
            },
        ),
    }
    calls = [("publish", request), routes[kind]]
    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(lambda c: stack.api("POST", c[0], c[1]), calls))
    problems = [
        f"POST {route} answered {a.status_code}: {a.text[:300]}"
        for (route, _), a in zip(calls, answers, strict=True)
        if a.status_code >= 500 or a.status_code not in (200, 202, 409)
    ]
    definitions = {ids.definition, setup.get("other")}
    runs = [
        i["instanceId"]
        for i in stack.instances(showInput="true", createdTimeFrom=setup["now"])
        if i.get("name") in RUN_KINDS and definition_of(i.get("input")) in definitions
    ]
    return runs, problems


def definition_of(run_input: Any) -> str | None:
    if isinstance(run_input, str):
        try:
            run_input = json.loads(run_input)
        except json.JSONDecodeError:
            return None
    return run_input.get("image_definition") if isinstance(run_input, dict) else None


def denied_clearly(
    stack: Stack, action: str, statuses: list[dict[str, Any]]
) -> tuple[bool, list[str]]:
    """(the action was refused: by the emulator, or by the preflight's role check; problems):
    a run that failed or warned for want of a role action must name it."""
    log = stack.arm_control("GET", "requests")["requests"]
    refused = any(r.get("status") == 403 and r.get("action") == action for r in log)
    problems = []
    for status in statuses:
        output = status.get("output")
        text = json.dumps(output) if not isinstance(output, str) else output
        failed = status.get("runtimeStatus") == "Failed"
        warned = isinstance(output, dict) and output.get("status") == "partially_succeeded"
        refused = refused or action in text  # the preflight refused it before any call
        if (failed or warned) and action not in text and "AuthorizationFailed" in text:
            run = status.get("instanceId")
            problems.append(f"run {run} does not name the missing {action}: {text[:300]}")
    return refused, problems
