"""CloudFront answers of moto's corrected as CloudFront gives them.

- moto 5.2.5 drops an origin's `OriginAccessControlId`: a distribution made
  with one reads back without it (GetDistribution, GetDistributionConfig,
  ListDistributions), so a client could never find the origin access control
  to delete after the distribution. The front keeps what CreateDistribution
  (WithTags) and UpdateDistribution were sent, per distribution and origin, and
  puts it back into those answers (CloudFront API reference, Origin)."""

import re
import threading

from . import cloudfront
from .message import Answer

LOCK = threading.Lock()
ORIGIN_OACS = {}  # distribution id -> {origin id: origin access control id}


def reset():
    with LOCK:
        ORIGIN_OACS.clear()


def sent(body):
    """{origin id: OAC id} of a DistributionConfig as sent."""
    out = {}
    for origin in cloudfront.blocks("Origin", body.decode("utf-8", "replace")):
        ids = cloudfront.elements("Id", origin)
        oacs = cloudfront.elements("OriginAccessControlId", origin)
        if ids and oacs and oacs[0]:
            out[ids[0]] = oacs[0]
    return out


def users(oac):
    """The distributions whose origins name `oac`."""
    with LOCK:
        return [d for d, origins in ORIGIN_OACS.items() if oac in origins.values()]


def layer(req, next):
    if req.service != "cloudfront":
        return next(req)
    answer = next(req)
    if not isinstance(answer, Answer) or answer.status >= 300:
        return answer
    op = req.operation
    if op in ("CreateDistribution", "CreateDistributionWithTags"):
        ids = cloudfront.elements("Id", answer.body)
        if ids:
            with LOCK:
                ORIGIN_OACS[ids[0]] = sent(req.body)
    elif op == "UpdateDistribution":
        with LOCK:
            ORIGIN_OACS[req.ids[0]] = sent(req.body)
    elif op == "DeleteDistribution":
        with LOCK:
            ORIGIN_OACS.pop(req.ids[0], None)
    if op in ("CreateDistribution", "CreateDistributionWithTags", "GetDistribution",
              "GetDistributionConfig", "UpdateDistribution", "ListDistributions"):
        answer = answer._replace(body=put_back(answer.body, req.ids[:1]))
    return answer


def put_back(body, distribution):
    """`body` with each origin's OriginAccessControlId as it was sent."""
    text = body.decode("utf-8", "replace")

    def fix_distribution(block, distribution_id):
        with LOCK:
            oacs = dict(ORIGIN_OACS.get(distribution_id, {}))
        if not oacs:
            return block

        def fix_origin(m):
            origin = m.group(0)
            ids = cloudfront.elements("Id", origin)
            if not ids or ids[0] not in oacs or "<OriginAccessControlId>" in origin:
                return origin
            return origin.replace(
                "</Origin>", f"<OriginAccessControlId>{oacs[ids[0]]}</OriginAccessControlId></Origin>"
            )

        return re.sub(r"<Origin>.*?</Origin>", fix_origin, block, flags=re.S)

    if distribution:
        return fix_distribution(text, distribution[0]).encode()
    # A list: each summary names its distribution.
    def fix_summary(m):
        ids = cloudfront.elements("Id", m.group(0))
        return fix_distribution(m.group(0), ids[0]) if ids else m.group(0)

    text = re.sub(r"<DistributionSummary>.*?</DistributionSummary>", fix_summary, text, flags=re.S)
    return text.encode()
