"""`make demo-nightly` (#14): night 1 patches, publishes and mirrors, night 2 skips."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from sandbox.demo_mirror import MirrorExtra
from sandbox.demo_nightly import run_demo_nightly


@pytest.mark.slow  # ~6-12 s on a 2-core machine, most of it starting the stack
def test_demo_nightly_patches_then_skips(tmp_path: Path) -> None:
    out = io.StringIO()
    code = run_demo_nightly(tmp_path / "demo", Console(file=out, width=160), extras=[MirrorExtra()])
    text = out.getvalue()
    assert code == 0, text[-3000:]
    assert "start -> assessPatches -> installPatches -> deallocate" in text
    assert "patch result: 3 installed" in text
    assert "galleryflow.fingerprint" in text and "galleryflow.patch" in text
    assert "mirror: succeeded; the copy's source:" in text and "swedencentral" in text
    assert "skipped: nothing to install and the request did not change" in text
    assert "start -> assessPatches -> deallocate" in text
    assert "galleryflow.skipped.v1" in text
    assert "stopped the emulator, Azurite and the host" in text
