"""Answers with the MariaDB client library version that mysqlclient loaded."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import MySQLdb


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(
            {
                "greeting": "hello from mysqlclient",
                "client_info": MySQLdb.get_client_info(),
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
