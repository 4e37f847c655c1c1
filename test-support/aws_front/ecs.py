"""ECS requests as the simulations see them: cluster and service names, JSON
answers in ECS's protocol (awsJson1_1), and task definition ARNs.

The ECS simulations (rollouts, one-off tasks) share one lock: an operation is
simulated whole (moto asked, the simulation moved, the answer rewritten) before
the next one starts."""

import json
import random
import string
import threading
import uuid

from . import upstream
from .message import Answer

LOCK = threading.RLock()
ARNS = {}  # "family:rev" -> task definition ARN (a revision's ARN never changes)


def last_segment(name_or_arn):
    """Clusters and services are matched by name: an ARN's last path segment."""
    return str(name_or_arn).split("/")[-1]


def new_task_id():
    return uuid.uuid4().hex


def new_resource_id():
    """The last part of a service deployment or service revision ARN."""
    alphabet = string.ascii_letters + string.digits + "_-"
    return "".join(random.choice(alphabet) for _ in range(21))


def clusters(payload):
    """The clusters an ECS request names (`cluster`, `clusterName`, `clusters`,
    and the cluster in a service deployment's ARN)."""
    found = []
    if isinstance(payload, dict):
        for field in ("cluster", "clusterName"):
            if isinstance(payload.get(field), str):
                found.append(last_segment(payload[field]))
        if isinstance(payload.get("clusters"), list):
            found += [last_segment(c) for c in payload["clusters"] if isinstance(c, str)]
        arns = payload.get("serviceDeploymentArns")
        arns = list(arns) if isinstance(arns, list) else []
        if isinstance(payload.get("serviceDeploymentArn"), str):
            arns.append(payload["serviceDeploymentArn"])
        for arn in arns:
            parsed = deployment_arn_parts(arn)
            if parsed and parsed[0] not in found:
                found.append(parsed[0])
    return found


def deployment_arn_parts(arn):
    """(cluster, service, id) of `arn:...:service-deployment/CLUSTER/SERVICE/ID`,
    or None."""
    if not isinstance(arn, str) or ":service-deployment/" not in arn:
        return None
    parts = arn.split(":service-deployment/", 1)[1].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return tuple(parts)


def ok(value):
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", uuid.uuid4().hex),
    ]
    return Answer(200, "OK", headers, json.dumps(value).encode())


def error(status, code, message):
    data = json.dumps({"__type": code, "message": message}).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", uuid.uuid4().hex),
    ]
    return Answer(status, None, headers, data)


def rewrite(answer, edit):
    """moto's answer with its JSON document passed through `edit` (in place);
    errors and answers that are not JSON as they are."""
    if not isinstance(answer, Answer) or answer.status != 200:
        return answer
    try:
        document = json.loads(answer.body)
    except ValueError:
        return answer
    edit(document)
    return answer._replace(body=json.dumps(document).encode())


def resolve_task_definition(raw, auth_headers):
    """The ARN moto knows `raw` (family, family:revision or ARN) by."""
    if not raw or raw.startswith("arn:"):
        return raw
    with LOCK:
        if ":" in raw and raw in ARNS:
            return ARNS[raw]
    answer = upstream.ecs("DescribeTaskDefinition", {"taskDefinition": raw}, auth_headers)
    try:
        arn = answer["taskDefinition"]["taskDefinitionArn"]
    except (TypeError, KeyError):
        return raw
    if ":" in raw:  # a family alone moves with each new revision: not cached
        with LOCK:
            ARNS[raw] = arn
    return arn


def report_arn(service, auth_headers):
    """moto reports an updated taskDefinition as sent ("family:2"); ECS, the ARN."""
    td = service.get("taskDefinition")
    if isinstance(td, str) and not td.startswith("arn:"):
        service["taskDefinition"] = resolve_task_definition(td, auth_headers)
