#!/usr/bin/python3
"""The demo's stand-in for a device cloud's login API (make run
LOGIN=device-cloud): the module's login check posts it the login form's
account name and password as JSON, and it answers who that is.

    device-cloud-login.py PORT ACCOUNT PASSWORD CUSTOMER_ID

POST /api/login {"email": ..., "password": ..., "client_id": ...}
    200 {"user_id": CUSTOMER_ID}           the right account and password
    401 {"error": "invalid_credentials"}   anything else
It listens on 127.0.0.1 only and logs one line per request to stderr,
never the password. Debian's Python 3 standard library, nothing else.
"""
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, account, password, customer_id = sys.argv[1:5]


class LoginAPI(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "device-cloud-login"

    def do_POST(self):
        if self.path != "/api/login":
            return self.answer(405, {"error": "POST /api/login only"})
        try:
            length = int(self.headers.get("Content-Length") or 0)
            sent = json.loads(self.rfile.read(min(length, 65536)))
            name, given = sent["email"], sent["password"]
        except (ValueError, KeyError, TypeError):
            return self.answer(400, {"error": "invalid_request"})
        right = (hmac.compare_digest(name.encode(), account.encode())
                 and hmac.compare_digest(given.encode(), password.encode()))
        if right:
            return self.answer(200, {"user_id": customer_id})
        return self.answer(401, {"error": "invalid_credentials"})

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("device-cloud-login: %s %s\n"
                         % (self.address_string(), fmt % args))


ThreadingHTTPServer(("127.0.0.1", int(port)), LoginAPI).serve_forever()
