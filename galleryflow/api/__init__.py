"""Pure helpers behind the HTTP API: error bodies, body parsing, schemas, run summaries,
OpenAPI, DevOps header parsing, allow-lists, secrets and dedupe keys. No Azure SDK I/O."""
