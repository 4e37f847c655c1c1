"""A network in moto's EC2 for tests: what an awsvpc service's (or one-off
task's) network configuration must name there."""

import re
import urllib.parse

from . import upstream
from .ecs import new_task_id
from .message import json_answer


def call(params):
    """One EC2 query API call to moto; its XML answer."""
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, "
            "SignedHeaders=host, Signature=0",
        ),
    ]
    data = urllib.parse.urlencode({**params, "Version": "2016-11-15"}).encode()
    status, _, _, answer = upstream.request("POST", "/", headers, data)
    if status != 200:
        raise RuntimeError(f"EC2 {params['Action']}: {status} {answer[:300]!r}")
    return answer.decode()


def first(tag, xml):
    found = re.search(rf"<{tag}>([^<]+)</{tag}>", xml)
    if not found:
        raise RuntimeError(f"no {tag} in {xml[:300]}")
    return found.group(1)


def create_network(req):
    """POST /network -> {"subnet", "security_group"}: a new VPC, subnet and
    security group."""
    vpc = first("vpcId", call({"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}))
    subnet = first(
        "subnetId",
        call({"Action": "CreateSubnet", "VpcId": vpc, "CidrBlock": "10.0.1.0/24"}),
    )
    group = first(
        "groupId",
        call(
            {
                "Action": "CreateSecurityGroup",
                "VpcId": vpc,
                "GroupName": "tasks-" + new_task_id()[:8],
                "GroupDescription": "one-off tasks",
            }
        ),
    )
    return json_answer(200, {"subnet": subnet, "security_group": group})


ROUTES = {("POST", "/network"): create_network}
