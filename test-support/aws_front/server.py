"""The HTTP side: requests in (a chunked body is de-chunked), answers out
(hop-by-hop headers dropped, Content-Length set to the body actually sent),
hang-ups done on the socket."""

import http.client
import http.server
import json
import socket
import struct
import sys
import traceback

from . import app
from .message import Hangup, Request, json_answer
from .upstream import HOP_BY_HOP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-front"

    def log_message(self, format, *args):
        sys.stderr.write("aws-front %s - %s\n" % (self.log_date_time_string(), format % args))

    def do_GET(self):
        self.handle_any()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def handle_any(self):
        try:
            body = self.read_body()
        except (ValueError, OSError) as e:
            self.close_connection = True
            self.send(json_answer(400, {"error": f"bad request body: {e}"}))
            return
        try:
            req = Request(self.command, self.path, self.headers.items(), body)
            if req.path.startswith(app.CONTROL + "/"):
                answer = app.control(req)
            else:
                answer = app.handle(req)
            self.send(answer)
        except (ConnectionError, OSError, http.client.HTTPException) as e:
            self.send(json_answer(502, {"error": f"upstream: {e}"}))
        except Exception:  # a bug here must show, not hang the client
            detail = traceback.format_exc()
            sys.stderr.write(detail)
            self.close_connection = True
            self.send(json_answer(500, {"error": "aws front failed", "detail": detail}))

    def read_body(self):
        encoding = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in encoding:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ValueError("connection closed inside a chunked body")
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers, up to the empty line
                    while True:
                        trailer = self.rfile.readline(65537)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)  # the CRLF after the chunk
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length:
            return self.rfile.read(int(length))
        return b""

    def send(self, answer):
        if isinstance(answer, Hangup):
            self.hang_up(answer.how)
            return
        status, reason, headers, body = answer
        self.send_response_only(status, reason)
        length = None
        for name, value in headers:
            lower = name.lower()
            if lower == "content-length":
                length = value
            if lower in HOP_BY_HOP:
                continue
            self.send_header(name, value)
        if self.command == "HEAD":
            # No body: the length is the one of the resource, as its answer said.
            if length is not None:
                self.send_header("Content-Length", length)
        elif not (100 <= status < 200 or status in (204, 304)):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.log_request(status, len(body))

    def hang_up(self, how):
        self.close_connection = True
        try:
            if how == "reset":
                # SO_LINGER 0: close sends a TCP reset.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(host, port):
    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
