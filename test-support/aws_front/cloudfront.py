"""CloudFront requests as the CloudFront simulations see them: XML errors in
CloudFront's shape, an invalidation batch's paths, and a distribution's
origin buckets (asked of moto)."""

import html
import re
import uuid

from . import upstream
from .message import local

VERSION = "/2020-05-31"


def error(status, code, message):
    kind = "Sender" if status < 500 else "Receiver"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
        f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
    return local(status, xml, "text/xml")


def elements(tag, xml):
    """The (unescaped) text of every <tag> element in `xml` (text or bytes)."""
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8", "replace")
    return [html.unescape(m) for m in re.findall(rf"<{tag}>(.*?)</{tag}>", xml, re.S)]


def blocks(tag, xml):
    """Every <tag>...</tag> block of `xml`, as written."""
    return re.findall(rf"<{tag}>.*?</{tag}>", xml, re.S)


# moto tells services apart by the credential scope; it checks no signature.
AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/cloudfront/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def moto_get(path):
    """GET `path` (under the API version) from moto, as the front's own call."""
    return upstream.request("GET", VERSION + path, [("Authorization", AUTH)], b"")


def origin_buckets(distribution):
    """The S3 buckets a distribution's origins name (`BUCKET.s3[.REGION].amazonaws.com`)."""
    answer = moto_get(f"/distribution/{distribution}")
    if answer.status != 200:
        return []
    domains = elements("DomainName", answer.body)
    return [d.split(".s3", 1)[0] for d in domains if ".s3" in d]
