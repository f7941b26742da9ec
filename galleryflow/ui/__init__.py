"""`galleryflow ui`: a local web dashboard over galleryflow's HTTP API (docs/ui.md).

Server-rendered HTML (Starlette + Jinja2, the `[ui]` extra): the dashboard calls the API
itself with the CLI's client, so the function key stays in this process. Pure view models
in timeline.py and matrix.py; routes in pages.py and definition_pages.py; CSRF, security
headers and the bind rule in security.py; the uvicorn server in server.py.
"""
