"""The operation a CloudFront or Route53 request calls, named as the API
reference names it, from its method and path (both are REST-XML services
whose paths start with their API version)."""

# (method, path shape) -> operation; "{}" is one path segment (an id).
CLOUDFRONT = {
    ("POST", "distribution"): "CreateDistribution",
    ("GET", "distribution"): "ListDistributions",
    ("GET", "distribution/{}"): "GetDistribution",
    ("DELETE", "distribution/{}"): "DeleteDistribution",
    ("GET", "distribution/{}/config"): "GetDistributionConfig",
    ("PUT", "distribution/{}/config"): "UpdateDistribution",
    ("POST", "distribution/{}/invalidation"): "CreateInvalidation",
    ("GET", "distribution/{}/invalidation"): "ListInvalidations",
    ("GET", "distribution/{}/invalidation/{}"): "GetInvalidation",
    ("POST", "origin-access-control"): "CreateOriginAccessControl",
    ("GET", "origin-access-control"): "ListOriginAccessControls",
    ("GET", "origin-access-control/{}"): "GetOriginAccessControl",
    ("DELETE", "origin-access-control/{}"): "DeleteOriginAccessControl",
    ("GET", "origin-access-control/{}/config"): "GetOriginAccessControlConfig",
    ("PUT", "origin-access-control/{}/config"): "UpdateOriginAccessControl",
    ("GET", "tagging"): "ListTagsForResource",
}

ROUTE53 = {
    ("POST", "hostedzone"): "CreateHostedZone",
    ("GET", "hostedzone"): "ListHostedZones",
    ("GET", "hostedzone/{}"): "GetHostedZone",
    ("DELETE", "hostedzone/{}"): "DeleteHostedZone",
    ("POST", "hostedzone/{}/rrset"): "ChangeResourceRecordSets",
    ("GET", "hostedzone/{}/rrset"): "ListResourceRecordSets",
    ("GET", "hostedzonesbyname"): "ListHostedZonesByName",
    ("GET", "change/{}"): "GetChange",
}


def name(service, method, segments, query):
    """(operation, [ids in the path]) of a request whose path after the API
    version is `segments`; operation None when unknown."""
    ids = []
    shape = []
    for i, segment in enumerate(segments):
        # Collection names sit at even positions, ids at odd ones.
        if i % 2 == 1 and segment not in ("config", "invalidation", "rrset"):
            ids.append(segment)
            shape.append("{}")
        else:
            shape.append(segment)
    table = CLOUDFRONT if service == "cloudfront" else ROUTE53
    operation = table.get((method, "/".join(shape)))
    if service == "cloudfront" and operation == "CreateDistribution" and "WithTags" in query:
        operation = "CreateDistributionWithTags"
    if service == "cloudfront" and method == "POST" and shape == ["tagging"]:
        operation = {"Tag": "TagResource", "Untag": "UntagResource"}.get(
            (query.get("Operation") or [""])[0]
        )
    return operation, ids
