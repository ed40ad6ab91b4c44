"""A Flask application factory: the buildpack must run `gunicorn 'hello:create_app()'`."""

import os
import sys
from importlib.metadata import version

from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.get("/")
    def index():
        return jsonify(
            greeting="hello from a flask factory",
            python=sys.version,
            port=os.environ.get("PORT"),
            workers=os.environ.get("WEB_CONCURRENCY"),
            deps={"flask": version("flask"), "gunicorn": version("gunicorn")},
        )

    return app
