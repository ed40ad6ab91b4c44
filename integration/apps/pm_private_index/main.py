"""Serves the version of a package that only a private index (with basic auth) has."""

import http.server
import json
import os

import pbp_private_pkg


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"private": pbp_private_pkg.VERSION}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
