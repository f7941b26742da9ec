"""Activities blueprint: modules in this package register their functions on `bp`.

One module per job: vm_power, patching, capture, replication, promote, prune, inventory,
preflight, run_lock, rollback, mirrors, notify, version_change, devops (the DevOps callback
watcher's reads and deliveries).
Each activity takes one dict and returns one dict.
"""

import azure.durable_functions as df

bp = df.Blueprint()

# Importing the modules registers their activities on `bp` (after bp exists).
from activities import (  # noqa: E402, F401
    capture,
    devops,
    inventory,
    mirrors,
    notify,
    patching,
    preflight,
    promote,
    prune,
    replication,
    rollback,
    run_lock,
    version_change,
    vm_power,
)
