"""The pyproject fixture: a WSGI app served by gunicorn (the buildpack picks `gunicorn app:app`)."""

import json
import os
import sys
from importlib.metadata import version

GREETING = "hello from pyproject"


def app(environ, start_response):
    body = json.dumps(
        {
            "greeting": GREETING,
            "manager": "pyproject",
            "python": sys.version,
            "port": os.environ.get("PORT"),
            "deps": {"gunicorn": version("gunicorn")},
            "prefix": sys.prefix,
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
