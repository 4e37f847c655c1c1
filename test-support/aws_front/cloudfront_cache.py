"""CloudFront's edge caches, as far as invalidations reach them: moto accepts
any invalidation path and has no cache, so a path that CloudFront would not
match looks as good as one it would.

CloudFront matches an invalidation path against the URL a viewer asks for:
"If the path includes non-ASCII characters or unsafe characters as defined in
RFC 1738, URL-encode those characters. Do not URL-encode any other characters
in the path, or CloudFront will not invalidate the old version of the updated
file" (CloudFront developer guide, What you need to know when invalidating
paths; API reference, Paths). A `*` at the end is a wildcard; invalidation
paths are case sensitive.

The model: once an object of a distribution's origin bucket is overwritten or
deleted (a write to a key that already had a version), edge copies of it are
stale until an invalidation made after that write covers its URL. An object
written for the first time was never cached, so it is never stale.
GET /cloudfront/stale?distribution=ID lists the stale keys: after a deploy or
a rollback, a test expects none. Always on (it only watches)."""

import threading
import urllib.parse

from . import cloudfront
from .message import Answer, json_answer

# RFC 1738's unsafe characters, plus "?" (a raw one starts the query string).
UNSAFE = set(' "<>#%{}|\\^~[]`?')
WRITES = {"PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects"}

LOCK = threading.Lock()
SEQ = [0]
SEEN = set()  # (bucket, key) that have had a version
CHANGED = []  # (seq, bucket, key): a write that replaced or removed a version
INVALIDATED = []  # (seq, distribution, [paths])


def reset():
    with LOCK:
        SEEN.clear()
        CHANGED.clear()
        INVALIDATED.clear()


def tick():
    SEQ[0] += 1
    return SEQ[0]


def layer(req, next):
    answer = next(req)
    if not isinstance(answer, Answer) or not 200 <= answer.status < 300:
        return answer
    if req.service == "s3" and req.operation in WRITES:
        keys = (
            cloudfront.elements("Key", req.body)
            if req.operation == "DeleteObjects"
            else [req.key]
        )
        with LOCK:
            for key in keys:
                seq = tick()
                if (req.bucket, key) in SEEN:
                    CHANGED.append((seq, req.bucket, key))
                SEEN.add((req.bucket, key))
    elif req.service == "cloudfront" and req.operation == "CreateInvalidation":
        with LOCK:
            INVALIDATED.append((tick(), req.ids[0], cloudfront.elements("Path", req.body)))
    return answer


def as_matched(path):
    """An invalidation path as CloudFront compares it: percent-encodings of
    non-ASCII and unsafe characters decoded, every other one kept as written;
    a raw "?" ends the path (a query string follows)."""
    path = path.split("?", 1)[0]
    out = bytearray()
    i = 0
    raw = path.encode("utf-8")
    while i < len(raw):
        if raw[i : i + 1] == b"%" and i + 2 < len(raw) + 1:
            try:
                byte = int(raw[i + 1 : i + 3].decode("ascii"), 16)
            except ValueError:
                byte = None
            if byte is not None and (byte >= 0x80 or byte < 0x21 or chr(byte) in UNSAFE):
                out.append(byte)
                i += 3
                continue
        out.append(raw[i])
        i += 1
    return out.decode("utf-8", "replace")


def covers(path, key):
    url = "/" + key
    matched = as_matched(path)
    if matched.endswith("*"):
        return url.startswith(matched[:-1])
    return url == matched


def stale(distribution):
    buckets = set(cloudfront.origin_buckets(distribution))
    with LOCK:
        changed = [(s, b, k) for s, b, k in CHANGED if b in buckets]
        invalidations = [(s, p) for s, d, p in INVALIDATED if d == distribution]
    out = set()
    for seq, _, key in changed:
        if not any(s > seq and any(covers(p, key) for p in paths) for s, paths in invalidations):
            out.add(key)
    return sorted(out)


def list_stale(req):
    """GET /cloudfront/stale?distribution=ID -> the keys edge caches may serve
    an old version of."""
    distribution = req.query("distribution")
    if not distribution:
        return json_answer(400, {"error": "give ?distribution=ID"})
    return json_answer(200, stale(urllib.parse.unquote(distribution)))


ROUTES = {("GET", "/cloudfront/stale"): list_stale}
