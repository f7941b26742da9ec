"""SQLite persistence: instances, per-execution history, inbound messages, activity work.

One connection guarded by a lock: every operation is short, and a single writer keeps
transactions simple. WAL + synchronous=NORMAL is durable across a SIGKILL of the process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances(
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created_time TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    parent_instance_id TEXT,
    parent_execution_id TEXT,
    parent_task_id INTEGER,
    action_log TEXT NOT NULL DEFAULT '[]',
    version TEXT
);
CREATE INDEX IF NOT EXISTS instances_created ON instances(created_time);
CREATE TABLE IF NOT EXISTS history(
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    execution_id TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY(instance_id, seq)
);
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    visible_at TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages(visible_at);
CREATE INDEX IF NOT EXISTS messages_instance ON messages(instance_id);
CREATE TABLE IF NOT EXISTS entities(
    entity_id TEXT PRIMARY KEY,
    state TEXT
);
CREATE TABLE IF NOT EXISTS activities(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    input TEXT
);
"""


@dataclass
class Instance:
    instance_id: str
    name: str
    execution_id: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created_time: str
    last_updated: str
    parent_instance_id: str | None
    parent_execution_id: str | None
    parent_task_id: int | None
    action_log: list[list[Any]]
    version: str | None = None  # orchestration version, fixed at creation

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Instance:
        values = dict(row)
        values["action_log"] = json.loads(values["action_log"])
        return cls(**values)


@dataclass
class Message:
    id: int
    instance_id: str
    execution_id: str | None
    visible_at: str
    event: dict[str, Any]


@dataclass
class ActivityWork:
    id: int
    instance_id: str
    execution_id: str
    task_id: int
    name: str
    input: str | None


TERMINAL = ("Completed", "Failed", "Terminated")


class Store:
    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """State written before a column existed gets it (restart on an older STATE)."""
        columns = {r["name"] for r in self._db.execute("PRAGMA table_info(instances)")}
        if "version" not in columns:
            self._db.execute("ALTER TABLE instances ADD COLUMN version TEXT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested use joins the outer transaction."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- meta -------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
            return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    # --- instances --------------------------------------------------------------------
    def get_instance(self, instance_id: str) -> Instance | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM instances WHERE instance_id=?", (instance_id,)
            ).fetchone()
            return None if row is None else Instance.from_row(row)

    def put_instance(self, inst: Instance) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO instances(instance_id, name, execution_id, status, input,"
                " output, custom_status, created_time, last_updated, parent_instance_id,"
                " parent_execution_id, parent_task_id, action_log, version)"
                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    inst.instance_id,
                    inst.name,
                    inst.execution_id,
                    inst.status,
                    inst.input,
                    inst.output,
                    inst.custom_status,
                    inst.created_time,
                    inst.last_updated,
                    inst.parent_instance_id,
                    inst.parent_execution_id,
                    inst.parent_task_id,
                    json.dumps(inst.action_log),
                    inst.version,
                ),
            )

    def query_instances(
        self,
        statuses: list[str] | None,
        created_from: str | None,
        created_to: str | None,
        prefix: str | None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[Instance]:
        sql = "SELECT * FROM instances WHERE 1=1"
        args: list[Any] = []
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args += statuses
        if created_from:
            sql += " AND created_time >= ?"
            args.append(created_from)
        if created_to:
            sql += " AND created_time <= ?"
            args.append(created_to)
        if prefix:
            sql += " AND substr(instance_id, 1, ?) = ?"
            args += [len(prefix), prefix]
        if after:
            sql += " AND instance_id > ?"
            args.append(after)
        sql += " ORDER BY instance_id"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            return [Instance.from_row(r) for r in self._db.execute(sql, args)]

    def delete_instance(self, instance_id: str) -> None:
        with self.tx() as db:
            for table in ("instances", "history", "messages", "activities"):
                db.execute(f"DELETE FROM {table} WHERE instance_id=?", (instance_id,))

    # --- history ----------------------------------------------------------------------
    def load_history(self, instance_id: str, execution_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT event FROM history WHERE instance_id=? AND execution_id=? ORDER BY seq",
                (instance_id, execution_id),
            ).fetchall()
        return [json.loads(r["event"]) for r in rows]

    def append_history(
        self, instance_id: str, execution_id: str, start_seq: int, events: list[dict[str, Any]]
    ) -> None:
        with self.tx() as db:
            db.executemany(
                "INSERT INTO history(instance_id, seq, execution_id, event) VALUES(?,?,?,?)",
                [
                    (instance_id, start_seq + i, execution_id, json.dumps(e))
                    for i, e in enumerate(events)
                ],
            )

    def history_length(self, instance_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM history WHERE instance_id=?",
                (instance_id,),
            ).fetchone()
            return int(row["n"])

    def clear_history(self, instance_id: str) -> None:
        with self.tx() as db:
            db.execute("DELETE FROM history WHERE instance_id=?", (instance_id,))

    # --- messages ---------------------------------------------------------------------
    def add_message(
        self, instance_id: str, execution_id: str | None, visible_at: str, event: dict[str, Any]
    ) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO messages(instance_id, execution_id, visible_at, event)"
                " VALUES(?,?,?,?)",
                (instance_id, execution_id, visible_at, json.dumps(event)),
            )

    def visible_messages(self, instance_id: str, now: str) -> list[Message]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM messages WHERE instance_id=? AND visible_at<=? ORDER BY id",
                (instance_id, now),
            ).fetchall()
        return [
            Message(
                r["id"],
                r["instance_id"],
                r["execution_id"],
                r["visible_at"],
                json.loads(r["event"]),
            )
            for r in rows
        ]

    def instances_with_visible_messages(self, now: str) -> list[str]:
        with self._lock:
            # A suspended instance only wakes for suspend/resume markers (19, 20) or terminate (3).
            rows = self._db.execute(
                "SELECT m.instance_id, MIN(m.id) AS first FROM messages m"
                " LEFT JOIN instances i ON i.instance_id = m.instance_id"
                " WHERE m.visible_at<=? AND (i.status IS NULL OR i.status != 'Suspended'"
                " OR json_extract(m.event, '$.EventType') IN (3, 19, 20))"
                " GROUP BY m.instance_id ORDER BY first",
                (now,),
            ).fetchall()
        return [r["instance_id"] for r in rows]

    def next_visible_at(self, after: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT MIN(visible_at) AS t FROM messages WHERE visible_at>?", (after,)
            ).fetchone()
            return None if row is None or row["t"] is None else str(row["t"])

    def delete_messages(self, ids: list[int]) -> None:
        with self.tx() as db:
            db.executemany("DELETE FROM messages WHERE id=?", [(i,) for i in ids])

    def delete_timer_message(self, instance_id: str, execution_id: str, timer_id: int) -> None:
        with self.tx() as db:
            db.execute(
                "DELETE FROM messages WHERE instance_id=? AND execution_id=?"
                " AND json_extract(event, '$.EventType')=11"
                " AND json_extract(event, '$.TimerId')=?",
                (instance_id, execution_id, timer_id),
            )

    def delete_pending_work(self, instance_id: str) -> None:
        """Drop timers and activities of an instance that reached a terminal state."""
        with self.tx() as db:
            db.execute(
                "DELETE FROM messages WHERE instance_id=? AND execution_id IS NOT NULL",
                (instance_id,),
            )
            db.execute("DELETE FROM activities WHERE instance_id=?", (instance_id,))

    # --- entities ---------------------------------------------------------------------
    def get_entity(self, entity_id: str) -> tuple[bool, str | None]:
        """(exists, serialized state)."""
        with self._lock:
            row = self._db.execute(
                "SELECT state FROM entities WHERE entity_id=?", (entity_id,)
            ).fetchone()
        return (False, None) if row is None else (True, row["state"])

    def put_entity(self, entity_id: str, exists: bool, state: str | None) -> None:
        with self.tx() as db:
            if exists:
                db.execute(
                    "INSERT OR REPLACE INTO entities(entity_id, state) VALUES(?, ?)",
                    (entity_id, state),
                )
            else:
                db.execute("DELETE FROM entities WHERE entity_id=?", (entity_id,))

    # --- activities -------------------------------------------------------------------
    def add_activity(
        self, instance_id: str, execution_id: str, task_id: int, name: str, input_: str | None
    ) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO activities(instance_id, execution_id, task_id, name, input)"
                " VALUES(?,?,?,?,?)",
                (instance_id, execution_id, task_id, name, input_),
            )

    def pending_activities(self, exclude: set[int], limit: int) -> list[ActivityWork]:
        if limit <= 0:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM activities ORDER BY id LIMIT ?", (limit + len(exclude),)
            ).fetchall()
        work = [ActivityWork(**dict(r)) for r in rows if r["id"] not in exclude]
        return work[:limit]

    def finish_activity(self, work: ActivityWork, now: str, event: dict[str, Any]) -> None:
        """Result message and removal of the work item in one transaction (at-least-once)."""
        with self.tx() as db:
            cur = db.execute("DELETE FROM activities WHERE id=?", (work.id,))
            if cur.rowcount:
                self.add_message(work.instance_id, work.execution_id, now, event)
