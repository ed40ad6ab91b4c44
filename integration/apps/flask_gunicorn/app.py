"""Flask app served by gunicorn (the buildpack picks `gunicorn app:app`: no Procfile)."""

import os
import sys
from importlib.metadata import version

from flask import Flask, jsonify

GREETING = "hello from flask"

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(
        greeting=GREETING,
        python=sys.version,
        port=os.environ.get("PORT"),
        deps={"flask": version("flask"), "gunicorn": version("gunicorn")},
        server=os.environ.get("SERVER_SOFTWARE", ""),
    )
