"""The Durable seam: what triggers, orchestrators and activities agree on.

- `names`: every orchestration, activity and external event name, registered and called
  through these constants only;
- `failures`: how an activity's failure crosses into the orchestrator (the encoded error
  dict) and `StepFailed`, the run failure the orchestrators raise;
- `status`: Durable runtime status names and the one `LIVE` set.

It sits below triggers/, orchestrators/ and activities/ (tests/test_layering.py): they
import it, it imports none of them.
"""
