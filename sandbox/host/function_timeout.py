"""host.json `functionTimeout`, enforced on activity, HTTP, timer and queue invocations.

Without the setting the host applies 30 minutes (the default of the Flex Consumption, Premium
and Dedicated plans; Consumption: 5); "-1" (or null) means unbounded. Source: learn.microsoft.com
"Function app timeout duration" (MicrosoftDocs azure-docs includes/functions-timeout-duration.md).

On expiry the real host logs `Timeout value of 00:10:00 exceeded by function 'Functions.X'
(Id: '<invocation id>'). Initiating cancellation.`, fails the invocation with
`FunctionTimeoutException: Timeout value of 00:10:00 was exceeded by function: Functions.X`
(Azure/azure-webjobs-sdk, Executors/FunctionExecutor.cs) and restarts the language worker; the
Durable extension reports the exception's message to the orchestrator as the activity's failure
(`Activity function 'X' failed: <message>`, TaskActivityShim). The sandbox cannot kill a Python
thread: a timed-out sync function keeps running on its own daemon thread and its result is
dropped; an async one is cancelled.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_SECONDS = 30 * 60.0
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$")
TIMEOUT_EXCEPTION = "Microsoft.Azure.WebJobs.Host.FunctionTimeoutException"


class FunctionTimeoutConfigError(ValueError):
    """host.json functionTimeout is not a TimeSpan."""


class FunctionTimedOut(Exception):
    """An invocation ran longer than functionTimeout; str() is the host's exception message."""

    def __init__(self, seconds: float, function_name: str) -> None:
        self.seconds = seconds
        self.function_name = function_name
        super().__init__(
            f"Timeout value of {format_timespan(seconds)} was exceeded by function:"
            f" Functions.{function_name}"
        )

    def log_line(self, invocation_id: str) -> str:
        return (
            f"Timeout value of {format_timespan(self.seconds)} exceeded by function"
            f" 'Functions.{self.function_name}' (Id: '{invocation_id}'). Initiating cancellation."
        )


def parse_function_timeout(host_json: dict[str, Any]) -> float | None:
    if "functionTimeout" not in host_json:
        return DEFAULT_SECONDS
    value = host_json["functionTimeout"]
    if value is None or str(value).strip() == "-1":
        return None
    match = _TIMESPAN.match(str(value).strip())
    if not match:
        raise FunctionTimeoutConfigError(
            f"host.json functionTimeout is '{value}'; write a TimeSpan like \"00:10:00\""
            ' ([d.]hh:mm:ss) or "-1" for no limit'
        )
    days, hours, minutes, seconds, fraction = match.groups()
    total = float(int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds))
    total += float(f"0.{fraction}") if fraction else 0.0
    if total <= 0:
        raise FunctionTimeoutConfigError(
            f"host.json functionTimeout is '{value}'; it must be above zero (or \"-1\": no limit)"
        )
    return total


def format_timespan(seconds: float) -> str:
    """.NET TimeSpan's constant format: [d.]hh:mm:ss[.fffffff]."""
    ticks = round(seconds * 10_000_000)
    whole, fraction = divmod(ticks, 10_000_000)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if days:
        text = f"{days}.{text}"
    if fraction:
        text += f".{fraction:07d}"
    return text
