"""The local web app (``haven serve``): the whole journey for a person who will not use a command line.

Server-rendered pages (Jinja2) that work without JavaScript, bound to 127.0.0.1 only, entered through a
one-time address token, with quick exit on every page. ``create_app(settings)`` builds the FastAPI app;
``serve()`` runs it. Nothing below ``haven.web`` imports it.
"""

from haven.web.app import create_app
from haven.web.server import serve
from haven.web.settings import Settings

__all__ = ["Settings", "create_app", "serve"]
