"""moto, behind the front: every request the simulations do not answer
themselves is forwarded to it, and the simulations ask it what they need."""

import http.client
import json
import urllib.parse

from . import signing
from .message import Answer

# Headers that describe one connection, not the message: never forwarded as is.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "expect",
    "content-length",
}

ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."


class Upstream:
    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise SystemExit(f"--upstream must be http://host:port, got {url!r}")
        self.host = parsed.hostname
        self.port = parsed.port or 80

    def request(self, method, target, headers, body):
        """moto's answer.

        A new connection per request: moto's werkzeug server answers every
        request with `Connection: close`, so there is nothing to keep alive.
        """
        headers = list(headers)
        if not any(name.lower() == "host" for name, _ in headers):
            headers.append(("Host", f"{self.host}:{self.port}"))
        # Signed again when IAM is on and the front changed what was signed.
        headers, body = signing.resign(method, target, headers, body)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            return Answer(resp.status, resp.reason, resp.getheaders(), data)
        finally:
            conn.close()


MOTO = None  # set by connect()


def connect(url):
    global MOTO
    MOTO = Upstream(url)


def request(method, target, headers, body):
    return MOTO.request(method, target, headers, body)


def forward(req):
    """`req` as it came (a chunked body is sent with a Content-Length)."""
    headers = [(n, v) for n, v in req.headers if n.lower() not in HOP_BY_HOP]
    return MOTO.request(req.method, req.target, headers, req.body)


def ecs(operation, payload, auth_headers):
    """An ECS call of the front's own (not recorded, not simulated): the
    answer's JSON, or None when moto refused it."""
    signing_headers = ("authorization", "x-amz-date", "x-amz-security-token")
    headers = signing.as_front([h for h in auth_headers if h[0].lower() in signing_headers])
    headers += [
        ("X-Amz-Target", ECS_TARGET_PREFIX + operation),
        ("Content-Type", "application/x-amz-json-1.1"),
    ]
    status, _, _, data = MOTO.request("POST", "/", headers, json.dumps(payload).encode())
    if status != 200:
        return None
    return json.loads(data)


def cloudwatch(operation, payload, auth_headers):
    """A CloudWatch call of the front's own in moto's awsJson1_0 (a simulation
    reading alarm states): the answer's JSON, or None when moto refused it.
    moto picks the service by the credential scope, so the scope names
    CloudWatch ("monitoring") whatever request the caller is answering."""
    region = "us-east-1"
    for name, value in auth_headers:
        if name.lower() == "authorization" and "Credential=" in value:
            scope = value.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            if len(scope) >= 3:
                region = scope[2]
    headers = [
        (
            "Authorization",
            f"AWS4-HMAC-SHA256 Credential=front/20250101/{region}/monitoring/aws4_request, "
            "SignedHeaders=host, Signature=0",
        ),
        ("X-Amz-Target", "GraniteServiceVersion20100801." + operation),
        ("Content-Type", "application/x-amz-json-1.0"),
    ]
    status, _, _, data = MOTO.request("POST", "/", headers, json.dumps(payload).encode())
    if status != 200:
        return None
    return json.loads(data)
