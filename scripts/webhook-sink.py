#!/usr/bin/env python3
"""A local stand-in for a Slack incoming webhook, for the demo (standard library only).

    scripts/webhook-sink.py serve DIR PORT   # POSTs to 127.0.0.1:PORT saved as DIR/001.json, ...; answers 200 "ok"
    scripts/webhook-sink.py show FILE        # one saved message as Slack would show it: its blocks' text

The tests use their own (test_support::SlackWebhook, which also answers Slack's errors).
"""

import html
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(folder, port):
    os.makedirs(folder, exist_ok=True)

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                json.loads(body)
                status, answer = 200, b"ok"
            except ValueError:
                status, answer = 400, b"invalid_payload"
            count = len([f for f in os.listdir(folder) if f.endswith(".json")])
            with open(os.path.join(folder, f"{count + 1:03}.json"), "wb") as f:
                f.write(body)
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Sink).serve_forever()


def show(path):
    with open(path) as f:
        message = json.load(f)
    for block in message.get("blocks", []):
        if block["type"] in ("header", "section"):
            text = block["text"]["text"]
        elif block["type"] == "context":
            text = " ".join(e.get("text", "") for e in block["elements"])
        else:
            continue
        for line in html.unescape(text).splitlines():
            print(f"  | {line}")
        print("  |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "show":
        show(sys.argv[2])
    else:
        sys.exit(__doc__)
