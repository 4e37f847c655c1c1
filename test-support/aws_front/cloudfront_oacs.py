"""CloudFront origin access controls as AWS answers for them, where moto 5.2.5
differs (CloudFront API reference: ListOriginAccessControls,
CreateOriginAccessControl, DeleteOriginAccessControl):

- ListOriginAccessControls is paged: at most MaxItems (default 100) per
  answer, `IsTruncated` and `NextMarker` leading to the rest. moto ignores the
  Marker (a client following NextMarker would read page one forever): the
  front serves each page from the Marker on. Scenario: POST
  /cloudfront/page-size {"max_items": N} makes every page at most N long (0:
  off), as AWS may with any MaxItems, so a test sees paging without creating
  a hundred of them.
- CreateOriginAccessControl of a name already used: 409
  OriginAccessControlAlreadyExists (moto makes a second one).
- DeleteOriginAccessControl: 409 OriginAccessControlInUse while a
  distribution's origin names it; IfMatch must be its current ETag (400
  InvalidIfMatchVersion without one, 412 PreconditionFailed with another);
  moto deletes it whatever.
Always on, but the page size."""

import json
import threading

from . import cloudfront, cloudfront_fixes
from .message import Answer, json_answer

LOCK = threading.Lock()
PAGE = {"max_items": 0}


def reset():
    with LOCK:
        PAGE["max_items"] = 0


def layer(req, next):
    if req.service != "cloudfront":
        return next(req)
    if req.operation == "ListOriginAccessControls":
        return list_page(req, next)
    if req.operation == "CreateOriginAccessControl":
        names = cloudfront.elements("Name", req.body)
        if names and names[0] in existing_names(req):
            return cloudfront.error(
                409,
                "OriginAccessControlAlreadyExists",
                f"An origin access control with the name {names[0]} already exists.",
            )
    if req.operation == "DeleteOriginAccessControl" and req.ids:
        refused = check_delete(req, req.ids[0])
        if refused is not None:
            return refused
    return next(req)


def all_summaries():
    answer = cloudfront.moto_get("/origin-access-control")
    if answer.status != 200:
        return None
    return cloudfront.blocks("OriginAccessControlSummary", answer.body.decode("utf-8", "replace"))


def existing_names(req):
    return [n for block in all_summaries() or [] for n in cloudfront.elements("Name", block)[:1]]


def list_page(req, next):
    summaries = all_summaries()
    if summaries is None:
        return next(req)
    ids = [cloudfront.elements("Id", s)[0] for s in summaries]
    marker = req.query("Marker") or ""
    start = ids.index(marker) + 1 if marker in ids else 0
    try:
        wanted = int(req.query("MaxItems") or 100)
    except ValueError:
        return cloudfront.error(400, "InvalidArgument", "MaxItems must be a number.")
    with LOCK:
        size = min(wanted, PAGE["max_items"] or wanted)
    page = summaries[start : start + size]
    truncated = start + size < len(summaries)
    next_marker = f"<NextMarker>{ids[start + size - 1]}</NextMarker>" if truncated else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OriginAccessControlList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">'
        f"<Marker>{marker}</Marker>{next_marker}<MaxItems>{wanted}</MaxItems>"
        f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
        f"<Quantity>{len(page)}</Quantity><Items>{''.join(page)}</Items>"
        "</OriginAccessControlList>"
    ).encode()
    return Answer(200, "OK", [("Content-Type", "text/xml")], xml)


def check_delete(req, oac):
    """The refusal AWS would give to deleting `oac` now, or None."""
    got = cloudfront.moto_get(f"/origin-access-control/{oac}")
    if got.status != 200:
        return None  # moto answers NoSuchOriginAccessControl itself
    etag = dict((k.lower(), v) for k, v in got.headers).get("etag", "")
    if_match = req.header("If-Match")
    if not if_match:
        return cloudfront.error(400, "InvalidIfMatchVersion", "The If-Match version is missing or not valid.")
    if if_match != etag:
        return cloudfront.error(
            412, "PreconditionFailed", "The precondition in one or more of the request fields evaluated to false."
        )
    if cloudfront_fixes.users(oac):
        return cloudfront.error(
            409,
            "OriginAccessControlInUse",
            "Cannot delete the origin access control because it's in use by one or more distributions.",
        )
    return None


def set_page_size(req):
    """POST /cloudfront/page-size {"max_items": N}; 0 turns it off."""
    try:
        size = json.loads(req.body or b"{}")["max_items"]
        if not isinstance(size, int) or size < 0:
            raise ValueError("max_items must be an integer >= 0")
    except (ValueError, KeyError, TypeError) as e:
        return json_answer(400, {"error": f"bad page size: {e!r}"})
    with LOCK:
        PAGE["max_items"] = size
    return json_answer(200, {"max_items": size})


ROUTES = {("POST", "/cloudfront/page-size"): set_page_size}
