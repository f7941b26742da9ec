"""The gateway's Compute API in one import: `from galleryflow.azure import compute`.

The functions live in vms.py, gallery.py, version_writes.py, version_updates.py, usages.py
and inuse.py (one job each); see docs/CONTRACTS.md ("Gateway") for their dict shapes and
the error tree.
"""

from galleryflow.azure.gallery import (
    get_gallery,
    get_image_definition,
    get_replication,
    get_version,
    list_versions,
    version_to_dict,
)
from galleryflow.azure.inuse import count_image_references, find_image_references
from galleryflow.azure.patching import (
    begin_assess_patches,
    begin_install_patches,
    poll_patch_operation,
)
from galleryflow.azure.run_commands import begin_run_command, get_run_command
from galleryflow.azure.usages import get_usages
from galleryflow.azure.version_shapes import SAFETY_LIFTED_TAG
from galleryflow.azure.version_updates import restore_safety, set_end_of_life
from galleryflow.azure.version_writes import (
    IDEMPOTENCY_TAG,
    begin_create_version,
    delete_version,
    set_exclude_from_latest,
    set_target_regions,
)
from galleryflow.azure.vms import (
    deallocate_vm,
    generalize_vm,
    get_disk,
    get_vm,
    power_off_vm,
    start_vm,
    vm_to_dict,
)

__all__ = [
    "IDEMPOTENCY_TAG",
    "SAFETY_LIFTED_TAG",
    "begin_assess_patches",
    "begin_create_version",
    "begin_install_patches",
    "begin_run_command",
    "count_image_references",
    "deallocate_vm",
    "delete_version",
    "find_image_references",
    "generalize_vm",
    "get_disk",
    "get_gallery",
    "get_image_definition",
    "get_replication",
    "get_run_command",
    "get_usages",
    "get_version",
    "get_vm",
    "list_versions",
    "poll_patch_operation",
    "power_off_vm",
    "restore_safety",
    "set_end_of_life",
    "set_exclude_from_latest",
    "set_target_regions",
    "start_vm",
    "version_to_dict",
    "vm_to_dict",
]
