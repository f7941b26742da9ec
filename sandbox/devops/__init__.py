"""A small HTTPS fake of the Azure DevOps endpoints galleryflow calls back: plan events
(TaskCompleted) and the timeline record feed. It checks the bearer token and records
every request so tests and demos can see what Azure DevOps would have received."""
