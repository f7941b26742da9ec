"""Orchestrators blueprint: modules in this package register their functions on `bp`."""

import azure.durable_functions as df

bp = df.Blueprint()

# Importing the modules registers their orchestrators on `bp` (after bp exists).
from orchestrators import (  # noqa: E402, F401
    change_version,
    devops_callback,
    mirror_chain,
    prune,
    prune_apply,
    publish,
    replication,
    resource_lock,
    rollback,
)
