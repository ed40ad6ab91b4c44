"""FastAPI app in a nested package of a src/ layout: no Procfile, no main.py at the root.
The buildpack must find `service.api.main:app` by reading the code."""

import os
import sys
from importlib.metadata import version

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def index() -> dict[str, object]:
    return {
        "greeting": "hello from a nested fastapi",
        "python": sys.version,
        "port": os.environ.get("PORT"),
        "deps": {name: version(name) for name in ("fastapi", "uvicorn")},
    }
