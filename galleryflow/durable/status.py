"""Durable runtime status names, and which of them count as a live run.

`LIVE` is the one answer to "is this run still going?" for the run lock (one publish per
image definition), the API's 409 RunInProgress and the DevOps watcher restart. Besides
Pending and Running it holds:
- ContinuedAsNew: the instance is between two executions (it restarts at once);
- Suspended: the instance is paused by `suspend` and resumes where it stopped.
Both still own whatever they were working on, so both are live. Completed, Failed,
Canceled and Terminated are final.

Sources: the OrchestrationRuntimeStatus reference ("ContinuedAsNew: the orchestration
instance has restarted itself with a new history. This is a transient state.",
learn.microsoft.com/javascript/api/durable-functions/orchestrationruntimestatus) and
"Manage instances in Durable Functions" (suspend/resume: a suspended instance resumes
where it stopped, learn.microsoft.com/azure/azure-functions/durable/
durable-functions-instance-management).
"""

from __future__ import annotations

from typing import Final

from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus

# A list because DurableOrchestrationClient.get_status_by takes one; never mutate it.
LIVE: Final[list[OrchestrationRuntimeStatus]] = [
    OrchestrationRuntimeStatus.Pending,
    OrchestrationRuntimeStatus.Running,
    OrchestrationRuntimeStatus.ContinuedAsNew,
    OrchestrationRuntimeStatus.Suspended,
]
FINISHED: Final = (
    OrchestrationRuntimeStatus.Completed.value,
    OrchestrationRuntimeStatus.Failed.value,
    OrchestrationRuntimeStatus.Canceled.value,
    OrchestrationRuntimeStatus.Terminated.value,
)
