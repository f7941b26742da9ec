"""Reporting back to Azure DevOps: the agentless task's TaskCompleted event and its
timeline log feed (docs/devops.md)."""
