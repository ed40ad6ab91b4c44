"""FastAPI with the `standard` extra (uvicorn and the fastapi CLI come with it): no uvicorn line
in requirements.txt, yet the buildpack serves it with uvicorn."""

import os
import sys
from importlib.metadata import version

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root() -> dict[str, object]:
    return {
        "greeting": "hello from fastapi[standard]",
        "python": sys.version,
        "port": os.environ.get("PORT"),
        "deps": {"fastapi": version("fastapi"), "uvicorn": version("uvicorn")},
    }
