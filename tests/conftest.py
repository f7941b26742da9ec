"""Shared pytest configuration. tests/ is deliberately not a package (see pyproject)."""

pytest_plugins = [
    "sandbox.azurite_testing",
    "sandbox.devops.testing",
    "sandbox.host.testing",
    "sandbox.arm.testing",
    "sandbox.stack_testing",
    "sandbox.dashboard_testing",
]
