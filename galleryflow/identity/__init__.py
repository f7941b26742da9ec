"""Who calls the API and what they may do: principals from App Service Authentication
(Easy Auth) or function keys, the four roles, and the pure authorization rules.

Nothing here does I/O: the HTTP layer (triggers/auth.py) hands in headers and settings.
"""
