"""Signatures, for a moto that checks them (IAM enforcement on: moto server's
`/moto-api/reset-auth`). moto then recomputes each request's SigV4 signature
with the secret of the access key that signed it, but the front changes some
requests on the way (CloudWatch's CBOR becomes JSON; the ECS simulations ask
moto questions of their own, with the caller's Authorization header): those
would fail the check. A test that turns IAM on registers its users' keys here
(`POST /__front/credentials {"access_key_id", "secret_access_key"}`), and every
request to moto signed with one of them is signed again, over what moto
receives, as the client would have signed it — with botocore's own signer,
the one moto checks with. Requests of other keys go on as they are."""

import re
import threading

from .message import json_answer

LOCK = threading.Lock()
SECRETS = {}  # access key id -> secret access key
OWN = []  # the access key id the front's own calls are signed with, if any

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")


def reset():
    with LOCK:
        SECRETS.clear()
        OWN.clear()


def as_front(headers):
    """`headers` of one of the front's own calls, signed as the front's user
    when one is registered (else as they came)."""
    with LOCK:
        own = OWN[0] if OWN else None
    if own is None:
        return headers
    return [
        (n, _CREDENTIAL.sub(lambda m: f"Credential={own}/" + m.group(0).split("/", 1)[1], v))
        if n.lower() == "authorization"
        else (n, v)
        for n, v in headers
    ]


def resign(method, target, headers, body):
    """(headers, body): with a fresh Authorization when its key is registered.

    moto 5.2.5 checks the signature of a REST request without a body (a
    CloudFront or Route53 GET or DELETE) over a body made of the request's own
    headers, Authorization included, which no signature can match: such a
    request gets an empty XML element as its body (which moto's parser reads
    as no input), so moto hashes a body as AWS does."""
    auth = next((v for n, v in headers if n.lower() == "authorization"), None)
    found = _CREDENTIAL.search(auth or "")
    if not found:
        return headers, body
    key, _, region, service = found.groups()
    with LOCK:
        secret = SECRETS.get(key)
    if secret is None:
        return headers, body
    date = next((v for n, v in headers if n.lower() == "x-amz-date"), None)
    if date is None:
        return headers, body
    if not body and service in ("cloudfront", "route53"):
        body = b"<Empty/>"
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    keep = {"host", "x-amz-date", "x-amz-target", "content-type", "x-amz-content-sha256",
            "x-amz-security-token"}
    signed = {n: v for n, v in headers if n.lower() in keep}
    request = AWSRequest(method=method, url=target, data=body, headers=signed)
    request.context["timestamp"] = date
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(
        Credentials(key, secret), service, region
    )
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    names = ";".join(sorted(n.lower() for n in signed))
    scope = auth.partition("Credential=")[2].split(",")[0]
    fresh = f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={names}, Signature={signature}"
    return [(n, fresh if n.lower() == "authorization" else v) for n, v in headers], body


def register(req):
    """POST /credentials {"access_key_id", "secret_access_key", "own_calls": false}."""
    spec = req.payload or {}
    key, secret = spec.get("access_key_id"), spec.get("secret_access_key")
    if not key or not secret:
        return json_answer(400, {"error": "give access_key_id and secret_access_key"})
    with LOCK:
        SECRETS[key] = secret
        if spec.get("own_calls"):
            OWN[:] = [key]
    return json_answer(200, {})


ROUTES = {("POST", "/credentials"): register}
