import os
import sys
from importlib.metadata import version

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def index() -> dict[str, object]:
    return {
        "greeting": "hello from fastapi",
        "python": sys.version,
        "port": os.environ.get("PORT"),
        "uvicorn_port": os.environ.get("UVICORN_PORT"),
        "deps": {name: version(name) for name in ("fastapi", "uvicorn", "pydantic")},
    }
