"""Local Azure Functions + Durable Functions host for Python v2 apps (see docs/sandbox-host.md)."""
