"""Shared pytest configuration. tests/ is deliberately not a package (see pyproject)."""
