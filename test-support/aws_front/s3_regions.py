"""Buckets in another region, which moto ignores (every bucket answers in
every region).

S3 answers a request for a bucket sent to another region's endpoint (signed
for that region) with 301 PermanentRedirect, the bucket's region in the
`x-amz-bucket-region` header, and no redirect the AWS SDK for Rust follows; a
HEAD gets the status and the header only (S3 API reference: Error responses,
PermanentRedirect; HeadBucket, x-amz-bucket-region). Scenario: a test places a
bucket in a region (POST /s3/region {"bucket", "region"}); from then on every
request on it signed for another region is answered that way."""

import json
import threading
import uuid

from .message import json_answer, local, signing_region

LOCK = threading.Lock()
REGIONS = {}  # bucket -> the region it lives in


def reset():
    with LOCK:
        REGIONS.clear()


def layer(req, next):
    if req.service != "s3":
        return next(req)
    with LOCK:
        region = REGIONS.get(req.bucket)
    signed = signing_region(req)
    if region is None or signed is None or signed == region:
        return next(req)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to "
        "access must be addressed using the specified endpoint. Please send all future "
        f"requests to this endpoint.</Message><Endpoint>{req.bucket}.s3.{region}.amazonaws.com"
        f"</Endpoint><Bucket>{req.bucket}</Bucket><RequestId>{uuid.uuid4().hex[:16].upper()}"
        "</RequestId></Error>"
    ).encode()
    return local(301, xml, "application/xml", [("x-amz-bucket-region", region)])


def place(req):
    """POST /s3/region {"bucket", "region"}: the bucket lives in that region."""
    try:
        request = json.loads(req.body or b"{}")
        bucket, region = request["bucket"], request["region"]
        if not (isinstance(bucket, str) and isinstance(region, str) and bucket and region):
            raise ValueError("bucket and region must be non-empty strings")
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad region: {e!r}"})
    with LOCK:
        REGIONS[bucket] = region
    return json_answer(200, {"bucket": bucket, "region": region})


ROUTES = {("POST", "/s3/region"): place}
