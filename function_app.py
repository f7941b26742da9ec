"""Composition root that Azure loads: one DFApp, the blueprints registered. No logic here.

People's routes need a function key unless Easy Auth authenticates them
(GALLERYFLOW_EASY_AUTH; triggers/auth.py); the DevOps routes always need a key."""

import azure.durable_functions as df

from activities import bp as activities_bp
from orchestrators import bp as orchestrators_bp
from triggers import bp as triggers_bp
from triggers.auth import http_auth_level

app = df.DFApp(http_auth_level=http_auth_level())
app.register_functions(orchestrators_bp)
app.register_functions(activities_bp)
app.register_functions(triggers_bp)
