"""Benchmark app: Flask served by gunicorn (the buildpack picks `gunicorn app:app`)."""

import sys

from flask import Flask, jsonify

GREETING = "hello from flask"

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify(greeting=GREETING, python=sys.version)
