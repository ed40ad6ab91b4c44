"""Benchmark app with a large dependency set: Flask + gunicorn serving a pandas summary."""

import sys

import numpy as np
import pandas as pd
from flask import Flask, jsonify

GREETING = "hello from the large app"

app = Flask(__name__)
FRAME = pd.DataFrame({"x": np.arange(10), "y": np.arange(10) ** 2})


@app.get("/")
def index():
    return jsonify(greeting=GREETING, python=sys.version, total=int(FRAME["y"].sum()))
