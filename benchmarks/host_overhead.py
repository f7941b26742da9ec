"""Benchmark: sandbox host time per orchestration action vs the orchestrator generator itself.

Run: .venv/bin/python benchmarks/host_overhead.py
Drives the sandbox engine in-process (no HTTP, activities run inline) over SQLite in a temp
dir with the app in tests/host/apps/bench:
  1. a 200-activity fan-out (task_all): whole run, per scheduled activity;
  2. a sequence long enough for a >= 1,000-event history, then one more replay of that full
     history (what every new event costs a long-running orchestration).
For each it prints host time (engine minus the SDK's execute), SDK replay time (execute minus
the user's generator) and the generator's own time (time spent inside the user's generator
code), per action, and the ratios host/generator and (host+SDK)/generator.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from types import GeneratorType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox.host.app_loader import load_app  # noqa: E402
from sandbox.host.clock import Clock  # noqa: E402
from sandbox.host.engine import Engine  # noqa: E402
from sandbox.host.replay import run_orchestrator  # noqa: E402
from sandbox.host.store import Store  # noqa: E402
from sandbox.host.timeutil import from_iso  # noqa: E402

APP = REPO / "tests" / "host" / "apps" / "bench"
FAN_OUT = 200
SEQUENCE = 260  # 2 + 4 events per step + completion -> > 1,000 history events
GENERATOR_SECONDS = [0.0]


def timed(fn: Any) -> Any:
    """Wrap a user orchestrator so the time spent inside its own code is counted."""

    def wrapper(context: Any) -> Any:
        started = time.perf_counter()
        gen = fn(context)
        GENERATOR_SECONDS[0] += time.perf_counter() - started
        if not isinstance(gen, GeneratorType):
            return gen
        value: Any = None
        error: BaseException | None = None
        while True:
            started = time.perf_counter()
            try:
                task = gen.throw(error) if error is not None else gen.send(value)
            except StopIteration as stop:
                GENERATOR_SECONDS[0] += time.perf_counter() - started
                return stop.value
            GENERATOR_SECONDS[0] += time.perf_counter() - started
            try:
                value, error = (yield task), None
            except Exception as exc:
                value, error = None, exc

    return wrapper


def drive(engine: Engine, store: Store, clock: Clock) -> None:
    """Run episodes and activities inline until nothing is left (sim clock skips ahead)."""
    while True:
        progressed = False
        for instance_id in store.instances_with_visible_messages(clock.now_iso()):
            engine.run_episode(instance_id)
            progressed = True
        for work in store.pending_activities(set(), 10_000):
            engine.run_activity(work)
            progressed = True
        if not progressed:
            upcoming = store.next_visible_at(clock.now_iso())
            if upcoming is None:
                return
            clock.advance_to(from_iso(upcoming))


def report(label: str, actions: int, engine_s: float, sdk_s: float, gen_s: float) -> None:
    host_s = engine_s - sdk_s
    sdk_only = sdk_s - gen_s
    print(f"{label}: {actions} actions")
    print(f"  host  {host_s * 1e6 / actions:9.1f} us/action   (engine minus SDK execute)")
    print(f"  SDK   {sdk_only * 1e6 / actions:9.1f} us/action   (replay machinery)")
    print(f"  user  {gen_s * 1e6 / actions:9.1f} us/action   (orchestrator generator)")
    print(
        f"  ratio host/generator {host_s / gen_s:8.1f}x"
        f"   (host+SDK)/generator {engine_s / gen_s:8.1f}x"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = load_app(APP)
        for info in app.functions:
            if info.trigger_type == "orchestrationTrigger":
                info.func.orchestrator_function = timed(info.func.orchestrator_function)
        store = Store(Path(tmp) / "bench.sqlite")
        clock = Clock("sim", store)
        engine = Engine(app, store, clock)

        GENERATOR_SECONDS[0] = 0.0
        started = time.perf_counter()
        fan = engine.start("fan_out", "fan", json.dumps({"count": FAN_OUT}))
        drive(engine, store, clock)
        wall = time.perf_counter() - started
        inst = store.get_instance(fan)
        assert inst is not None and inst.status == "Completed", inst
        report(
            f"fan-out of {FAN_OUT} activities (wall incl. activities {wall:.2f} s,"
            f" {engine.stats['episodes']:.0f} episodes)",
            FAN_OUT,
            engine.stats["episode_seconds"],
            engine.stats["orchestrator_seconds"],
            GENERATOR_SECONDS[0],
        )

        seq = engine.start("sequence", "seq", json.dumps({"count": SEQUENCE}))
        drive(engine, store, clock)
        inst = store.get_instance(seq)
        assert inst is not None and inst.status == "Completed", inst

        # One more replay of the complete history, measured piece by piece.
        rounds = 5
        host_s = sdk_s = 0.0
        GENERATOR_SECONDS[0] = 0.0
        sequence_info = app.durable("orchestrationTrigger", "sequence")
        assert sequence_info is not None
        events = 0
        for _ in range(rounds):
            started = time.perf_counter()
            history = store.load_history(seq, inst.execution_id)
            events = len(history)
            context = json.dumps(
                {
                    "history": [{**e, "IsPlayed": True} for e in history],
                    "instanceId": seq,
                    "isReplaying": True,
                    "parentInstanceId": None,
                    "input": json.loads(inst.input or "null"),
                    "upperSchemaVersion": 2,
                }
            )
            built = time.perf_counter()
            result = run_orchestrator(sequence_info.func, context)
            replayed = time.perf_counter()
            assert result.is_done and len(result.action_log) == SEQUENCE
            host_s += built - started
            sdk_s += replayed - built
        report(
            f"replay of a {events}-event history ({SEQUENCE} activities), mean of {rounds}",
            SEQUENCE,
            (host_s + sdk_s) / rounds,
            sdk_s / rounds,
            GENERATOR_SECONDS[0] / rounds,
        )
        store.close()


if __name__ == "__main__":
    main()
