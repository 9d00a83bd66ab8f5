#!/usr/bin/python3
"""A device cloud's login API for the login-check tests, misbehaving on
request: it answers each account as the test's accounts file says, and
writes down every request it gets (method, path, headers, body) as a JSON
line, so that a test can check what nginx sent it.

    login_service.py PORT_FILE ACCOUNTS_FILE REQUESTS_FILE

It listens on a free 127.0.0.1 port and writes that port to PORT_FILE.
ACCOUNTS_FILE (read again on every request) maps an identifier to:
    password   the right one; another gets `wrong_status` (default 401)
               with `{"error":"invalid_credentials"}`
    status     the status of a right password (default 200)
    body       the answer's body as a string (default {"user_id": id})
    id         the id the default body carries
    pad        answer this many extra bytes (a JSON object with "pad")
    delay      seconds to wait before answering
An identifier it does not know gets 401.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, accounts_file, requests_file = sys.argv[1:4]
log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        with log_lock, open(requests_file, "a", encoding="utf-8") as log:
            log.write(json.dumps({
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": raw.decode("utf-8", "surrogateescape"),
            }) + "\n")
        try:
            sent = json.loads(raw)
        except ValueError:
            return self.answer(400, b'{"error":"not json"}')
        with open(accounts_file, encoding="utf-8") as f:
            accounts = json.load(f)
        account = accounts.get(sent.get("email"))
        if account is None:
            return self.answer(401, b'{"error":"invalid_credentials"}')
        time.sleep(account.get("delay", 0))
        if sent.get("password") != account["password"]:
            return self.answer(account.get("wrong_status", 401),
                               b'{"error":"invalid_credentials"}')
        if "pad" in account:
            body = json.dumps({"user_id": account.get("id", "x"),
                               "pad": "a" * account["pad"]})
        elif "body" in account:
            body = account["body"]
        else:
            body = json.dumps({"user_id": account.get("id")})
        self.answer(account.get("status", 200), body.encode("utf-8"))

    do_GET = do_POST

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
