"""A Flask app with no server among its dependencies: `python app.py` would listen on 127.0.0.1
only, so the buildpack serves `app:app` with the gunicorn it provides."""

import os
import sys
from importlib.metadata import version

from flask import Flask

app = Flask(__name__)


@app.get("/")
def root() -> dict[str, object]:
    return {
        "greeting": "hello from flask without a server",
        "python": sys.version,
        "port": os.environ.get("PORT"),
        "deps": {"flask": version("flask"), "gunicorn": version("gunicorn")},
    }


if __name__ == "__main__":
    app.run()
