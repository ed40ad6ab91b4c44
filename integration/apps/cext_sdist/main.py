"""Reports whether MarkupSafe's C extension (compiled from the sdist at build time) is in use."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version

import markupsafe

try:
    from markupsafe import _speedups

    SPEEDUPS = _speedups.__file__
except ImportError:
    SPEEDUPS = None


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {
                "greeting": "hello from the C-extension app",
                "python": sys.version,
                "port": os.environ.get("PORT"),
                "deps": {"markupsafe": version("markupsafe")},
                "speedups": SPEEDUPS,
                "escaped": str(markupsafe.escape("<ok>")),
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
