"""The IAM actions each request needs, recorded per principal (the access key
that signed it): `service:Action` and the resource it acts on, as the AWS
Service Authorization Reference maps API operations to actions — most are
named as the operation, these are not:

  S3: HeadBucket, ListObjects(V2) -> s3:ListBucket; ListObjectVersions ->
  s3:ListBucketVersions; HeadObject -> s3:GetObject; a versionId makes
  GetObject/HeadObject s3:GetObjectVersion and DeleteObject
  s3:DeleteObjectVersion; CreateMultipartUpload, UploadPart and
  CompleteMultipartUpload -> s3:PutObject; CopyObject -> s3:PutObject on the
  copy and s3:GetObject(Version) on its source; DeleteObjects -> one
  s3:DeleteObject(Version) per key; PutPublicAccessBlock ->
  s3:PutBucketPublicAccessBlock; ListBuckets -> s3:ListAllMyBuckets.
  ECS: RegisterTaskDefinition with tags also needs ecs:TagResource, and with
  task or execution roles iam:PassRole on them. CloudFront:
  CreateDistributionWithTags -> cloudfront:CreateDistribution and
  cloudfront:TagResource. CloudWatch: DescribeAlarms for composite alarms
  needs the action on `*` (its API reference says so).

Resources are ARNs in moto's account (123456789012) and the signing region;
`*` where the action takes no resource. The harness checks them against the
policy `cargo xtask iam` renders for the test's config:
`GET /__front/actions?principal=KEY[&since=N]`."""

import threading
import urllib.parse

from . import service_models
from .message import access_key, json_answer

ACCOUNT = "123456789012"  # moto's default account
LOCK = threading.Lock()
ACTIONS = {}  # principal -> [{"action", "resource", "service", "operation"}]


def reset():
    with LOCK:
        ACTIONS.clear()


def layer(req, next):
    who = access_key(req)
    if who:
        try:
            described = service_models.describe(req)
        except service_models.ModelsMissing:
            described = None
        if described is not None and described.operation is not None:
            region = signing_region(req)
            needed = needs(described.service, described.operation, described.params, region)
            with LOCK:
                ACTIONS.setdefault(who, []).extend(
                    {
                        "action": action,
                        "resource": resource,
                        "service": described.service,
                        "operation": described.operation,
                    }
                    for action, resource in needed
                )
    return next(req)


def signing_region(req):
    auth = req.header("Authorization", "") or ""
    scope = auth.partition("Credential=")[2].split(",")[0].split("/")
    return scope[2] if len(scope) > 2 else "us-east-1"


def needs(service, operation, params, region):
    """[(action, resource)] for one request."""
    return RULES.get(service, lambda op, p, r: [(f"{service}:{op}", "*")])(
        operation, params, region
    )


# --- S3 -----------------------------------------------------------------------

S3_ACTIONS = {
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "HeadObject": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketTagging": "PutBucketTagging",
    "ListBuckets": "ListAllMyBuckets",
}


def s3(operation, p, region):
    bucket = p.get("Bucket", "")
    key = p.get("Key")
    on_bucket = f"arn:aws:s3:::{bucket}"

    def on_key(k):
        return f"arn:aws:s3:::{bucket}/{k}"

    if operation == "ListBuckets":
        return [("s3:ListAllMyBuckets", "*")]
    if operation in ("CopyObject", "UploadPartCopy"):
        source, _, query = urllib.parse.unquote(p.get("CopySource", "")).lstrip("/").partition("?")
        versioned = "versionId=" in query
        read = "s3:GetObjectVersion" if versioned else "s3:GetObject"
        return [("s3:PutObject", on_key(key)), (read, f"arn:aws:s3:::{source}")]
    if operation == "DeleteObjects":
        objects = (p.get("Delete") or {}).get("Objects") or []
        return [
            (
                "s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                on_key(o.get("Key", "")),
            )
            for o in objects
            if isinstance(o, dict)
        ]
    if operation in ("GetObject", "HeadObject") and p.get("VersionId"):
        return [("s3:GetObjectVersion", on_key(key))]
    if operation == "DeleteObject" and p.get("VersionId"):
        return [("s3:DeleteObjectVersion", on_key(key))]
    action = "s3:" + S3_ACTIONS.get(operation, operation)
    return [(action, on_key(key) if key is not None else on_bucket)]


# --- ECS ----------------------------------------------------------------------


def ecs(operation, p, region):
    base = f"arn:aws:ecs:{region}:{ACCOUNT}"
    cluster = name_of(p.get("cluster") or "default")

    def arn(kind, name):
        return name if str(name).startswith("arn:") else f"{base}:{kind}/{name}"

    def service(name):
        return arn("service", f"{cluster}/{name}")

    def task(name):
        return arn("task", f"{cluster}/{name}")

    def task_definition(name):
        name = str(name)
        if name.startswith("arn:"):
            return name
        return f"{base}:task-definition/{name if ':' in name else name + ':*'}"

    action = f"ecs:{operation}"
    if operation == "DescribeServices":
        return [(action, service(s)) for s in p.get("services") or []]
    if operation in ("UpdateService", "DeleteService"):
        return [(action, service(p.get("service", "")))]
    if operation == "CreateService":
        return [(action, service(p.get("serviceName", "")))]
    if operation == "ListServiceDeployments":
        return [(action, service(p.get("service", "")))]
    if operation == "DescribeServiceDeployments":
        return [(action, a) for a in p.get("serviceDeploymentArns") or []]
    if operation == "StopServiceDeployment":
        return [(action, p.get("serviceDeploymentArn", ""))]
    if operation == "DescribeServiceRevisions":
        return [(action, a) for a in p.get("serviceRevisionArns") or []]
    if operation == "DescribeClusters":
        return [(action, arn("cluster", name_of(c))) for c in p.get("clusters") or ["default"]]
    if operation == "RunTask":
        return [(action, task_definition(p.get("taskDefinition", "")))]
    if operation == "DescribeTasks":
        return [(action, task(t)) for t in p.get("tasks") or []]
    if operation == "StopTask":
        return [(action, task(p.get("task", "")))]
    if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
        return [(action, p.get("resourceArn", ""))]
    if operation == "RegisterTaskDefinition":
        needed = [(action, "*")]
        if p.get("tags"):
            needed.append(("ecs:TagResource", task_definition(p.get("family", ""))))
        for role in ("taskRoleArn", "executionRoleArn"):
            if p.get(role):
                needed.append(("iam:PassRole", p[role]))
        return needed
    return [(action, "*")]


def name_of(name_or_arn):
    return str(name_or_arn).split("/")[-1]


# --- ECR ----------------------------------------------------------------------


def ecr(operation, p, region):
    action = f"ecr:{operation}"
    repo = f"arn:aws:ecr:{region}:{ACCOUNT}:repository/"
    if operation == "GetAuthorizationToken":
        return [(action, "*")]
    if operation == "DescribeRepositories":
        names = p.get("repositoryNames") or []
        return [(action, repo + n) for n in names] or [(action, "*")]
    if p.get("repositoryName"):
        return [(action, repo + p["repositoryName"])]
    return [(action, "*")]


# --- CloudWatch ---------------------------------------------------------------


def cloudwatch(operation, p, region):
    action = f"cloudwatch:{operation}"
    if operation == "DescribeAlarms":
        if "CompositeAlarm" in (p.get("AlarmTypes") or []):
            return [(action, "*")]
        names = p.get("AlarmNames") or []
        return [(action, f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{n}") for n in names] or [
            (action, "*")
        ]
    return [(action, "*")]


# --- CloudFront (global: no region in its ARNs) ----------------------------------


def cloudfront(operation, p, region):
    base = f"arn:aws:cloudfront::{ACCOUNT}"
    action = f"cloudfront:{operation}"
    if operation in ("CreateDistribution", "CreateDistributionWithTags"):
        needed = [("cloudfront:CreateDistribution", f"{base}:distribution/*")]
        if operation == "CreateDistributionWithTags":
            needed.append(("cloudfront:TagResource", f"{base}:distribution/*"))
        return needed
    if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
        return [(action, p.get("Resource", ""))]
    if operation == "CreateOriginAccessControl":
        return [(action, f"{base}:origin-access-control/*")]
    if "OriginAccessControl" in operation and p.get("Id"):
        return [(action, f"{base}:origin-access-control/{p['Id']}")]
    distribution = p.get("DistributionId") or (
        p.get("Id") if "Distribution" in operation else None
    )
    if distribution:
        return [(action, f"{base}:distribution/{distribution}")]
    return [(action, "*")]


# --- Route53 (global) -------------------------------------------------------------


def route53(operation, p, region):
    action = f"route53:{operation}"
    if operation in ("ChangeResourceRecordSets", "ListResourceRecordSets", "GetHostedZone"):
        return [(action, f"arn:aws:route53:::hostedzone/{name_of(p.get('HostedZoneId') or p.get('Id', ''))}")]
    if operation == "GetChange":
        return [(action, f"arn:aws:route53:::change/{name_of(p.get('Id', ''))}")]
    if operation == "ListTagsForResource":
        return [(action, f"arn:aws:route53:::{p.get('ResourceType', '')}/{p.get('ResourceId', '')}")]
    return [(action, "*")]


RULES = {
    "s3": s3,
    "ecs": ecs,
    "ecr": ecr,
    "cloudwatch": cloudwatch,
    "cloudfront": cloudfront,
    "route53": route53,
}


def recorded(req):
    """GET /actions?principal=KEY[&since=N] -> {"actions": [...], "next": M}:
    what that principal's requests needed, from the Nth on."""
    who = req.query("principal") or ""
    since = int(req.query("since") or 0)
    with LOCK:
        found = list(ACTIONS.get(who, []))
    return json_answer(200, {"actions": found[since:], "next": len(found)})


ROUTES = {("GET", "/actions"): recorded}
