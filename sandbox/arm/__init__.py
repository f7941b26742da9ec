"""HTTPS emulator of the ARM Compute endpoints galleryflow uses (see docs/sandbox-arm.md)."""
