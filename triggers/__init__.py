"""Triggers blueprint: modules in this package register their functions on `bp`.

The modules are imported at the bottom, after `bp` exists, because they decorate it.
"""

import azure.durable_functions as df

bp = df.Blueprint()

import triggers.api_changes  # noqa: E402
import triggers.api_events  # noqa: E402
import triggers.api_maintenance  # noqa: E402
import triggers.api_meta  # noqa: E402  (each import registers its functions on bp)
import triggers.api_publish  # noqa: E402
import triggers.api_rollback_preview  # noqa: E402
import triggers.api_runs  # noqa: E402
import triggers.api_versions  # noqa: E402
import triggers.devops_hook  # noqa: E402
import triggers.devops_task  # noqa: E402
import triggers.nightly  # noqa: E402, F401
