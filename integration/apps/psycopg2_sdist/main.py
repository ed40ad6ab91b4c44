"""Answers with the libpq version psycopg2 was built against and the one it loaded."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import psycopg2.extensions


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {
                "greeting": "hello from psycopg2",
                "python": sys.version,
                "psycopg2": psycopg2.__version__,
                "libpq_built": psycopg2.__libpq_version__,
                "libpq_loaded": psycopg2.extensions.libpq_version(),
                "ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
