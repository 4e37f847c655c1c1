"""What passes through the front: a request as it came in, named by service
and operation, and what goes back (an answer, or a hang-up)."""

import collections
import json
import re
import urllib.parse

from . import rest_names

# An HTTP answer: status, reason phrase (None: the standard one), headers as
# (name, value) pairs, body bytes.
Answer = collections.namedtuple("Answer", "status reason headers body")


class Hangup:
    """The connection ends without an answer: "drop" closes it, "reset" sends
    a TCP RST (the client reads ECONNRESET)."""

    def __init__(self, how):
        if how not in ("drop", "reset"):
            raise ValueError(f"a hang-up is drop or reset, not {how!r}")
        self.how = how


# awsJson services by their X-Amz-Target prefix (the prefix names the service
# in the service model's `targetPrefix`).
JSON_TARGETS = {
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "AmazonEC2ContainerRegistry_V20150921": "ecr",
    "GraniteServiceVersion20100801": "cloudwatch",
}
# REST services whose paths start with their API version.
REST_VERSIONS = {"2020-05-31": "cloudfront", "2013-04-01": "route53"}
# Smithy RPC v2 CBOR: POST /service/<Service>/operation/<Operation>.
RPC_V2_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Request:
    """One request as received. `service` is "ecs", "ecr", "cloudwatch", "s3",
    "cloudfront", "route53" or None (not recognised); `operation` is the API
    operation's name where the front can tell it; `protocol` is "json",
    "rpc-v2-cbor", "rest" or None. S3 requests (path-style) also have `bucket`
    and `key` ("" for bucket calls); CloudFront and Route53 ones the `ids` in
    their path (a distribution's, then an invalidation's, ...)."""

    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target  # the path and query, as received
        split = urllib.parse.urlsplit(target)
        self.path = split.path
        self.query_string = split.query
        self.headers = list(headers)
        self.body = body
        self.service = None
        self.operation = None
        self.protocol = None
        self.bucket = None
        self.key = None
        self.ids = []  # CloudFront and Route53: the ids in the path, in order
        self._payload = None
        self._parsed = False
        self._classify()

    def header(self, name, default=None):
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return default

    def query(self, name):
        """The first value of query parameter `name`, or None."""
        return urllib.parse.parse_qs(self.query_string).get(name, [None])[0]

    def query_names(self):
        return urllib.parse.parse_qs(self.query_string, keep_blank_values=True)

    @property
    def payload(self):
        """The JSON body ({} when empty), or None when it is not JSON."""
        if not self._parsed:
            self._parsed = True
            try:
                self._payload = json.loads(self.body) if self.body else {}
            except ValueError:
                self._payload = None
        return self._payload

    def _classify(self):
        rpc = RPC_V2_PATH.match(self.path)
        if rpc and self.method == "POST":
            self.service = JSON_TARGETS.get(rpc.group(1), rpc.group(1))
            self.operation = rpc.group(2)
            self.protocol = "rpc-v2-cbor"
            return
        target = self.header("X-Amz-Target", "")
        if "." in target:
            prefix, operation = target.split(".", 1)
            self.service = JSON_TARGETS.get(prefix, prefix)
            self.operation = operation
            self.protocol = "json"
            return
        parts = self.path.lstrip("/").split("/", 1)
        first = urllib.parse.unquote(parts[0])
        if first in REST_VERSIONS:
            self.service = REST_VERSIONS[first]
            self.protocol = "rest"
            rest = parts[1].strip("/").split("/") if len(parts) > 1 else []
            self.operation, self.ids = rest_names.name(
                self.service, self.method, rest, self.query_names()
            )
            return
        if not first or DATE.fullmatch(first):
            return
        self.service = "s3"
        self.protocol = "rest"
        self.bucket = first
        self.key = urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
        copy_source = self.header("x-amz-copy-source") is not None
        self.operation = s3_operation(self.method, self.key, self.query_string, copy_source)


def s3_operation(method, key, query, copy_source):
    """The S3 API operation of a path-style request, by its method and query."""
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    if method == "PUT":
        if "partNumber" in q:
            return "UploadPartCopy" if copy_source else "UploadPart"
        if key:
            return "CopyObject" if copy_source else "PutObject"
        for sub in ("versioning", "policy", "tagging", "publicAccessBlock"):
            if sub in q:
                return "PutBucket" + sub[0].upper() + sub[1:]
        return "CreateBucket"
    if method == "POST":
        if "uploads" in q:
            return "CreateMultipartUpload"
        if "uploadId" in q:
            return "CompleteMultipartUpload"
        if "delete" in q:
            return "DeleteObjects"
        return "Post"
    if method == "GET":
        if key:
            return "GetObject"
        if "versioning" in q:
            return "GetBucketVersioning"
        if "versions" in q:
            return "ListObjectVersions"
        if q.get("list-type") == ["2"]:
            return "ListObjectsV2"
        return "ListObjects"
    if method == "HEAD":
        return "HeadObject" if key else "HeadBucket"
    if method == "DELETE":
        if "uploadId" in q:
            return "AbortMultipartUpload"
        return "DeleteObject" if key else "DeleteBucket"
    return method


def access_key(req):
    """The access key that signed the request ("" when unsigned): the
    principal the front records its actions and refusals under."""
    auth = req.header("Authorization", "") or ""
    found = re.search(r"Credential=([^/,\s]+)", auth)
    if found:
        return found.group(1)
    credential = req.query("X-Amz-Credential")
    return credential.split("/", 1)[0] if credential else ""


def local(status, body, content_type="application/json", headers=()):
    """An answer the front makes itself (not moto's)."""
    return Answer(
        status,
        None,
        [("Content-Type", content_type), *headers, ("Content-Length", str(len(body)))],
        body,
    )


def json_answer(status, value):
    return local(status, json.dumps(value).encode())


def text(body):
    """A body as text, for matching (bytes that are not UTF-8 replaced)."""
    return body.decode("utf-8", "replace") if body else ""


def signing_region(req):
    """The region a SigV4 request was signed for (its credential scope), or None."""
    auth = req.header("Authorization", "") or ""
    found = re.search(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/", auth)
    if found:
        return found.group(1)
    credential = urllib.parse.unquote(req.query("X-Amz-Credential") or "")
    parts = credential.split("/")
    return parts[2] if len(parts) > 2 else None
