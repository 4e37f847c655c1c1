"""The contract check: every request to a service the front has a model of
(ECS, ECR and CloudWatch in their JSON protocol — CloudWatch once `cbor` has
decoded it —, S3, CloudFront and Route53 in REST-XML) is checked against
botocore's service model (`service_models`): the operation exists (REST: its
method and URI match one), required members are present, each member has its
shape's type, strings and lists keep the model's `min`/`max` lengths, numbers
its `min`/`max` range, strings its `pattern` (applied to the whole value, as
AWS's services report it: "Member must satisfy regular expression pattern")
and its `enum`.

A request AWS would refuse is answered here as AWS answers a request that
fails validation — 400 ValidationException (JSON: `__type` and `message`;
S3: `<Error><Code>InvalidArgument`; CloudFront `InvalidArgument`, Route53
`InvalidInput` in an `<ErrorResponse>`), with "N validation error(s)
detected: Value '...' at '...' failed to satisfy constraint: ..." — and never
reaches moto, even where moto would take it. Each refusal is recorded with the
principal (the access key) that sent it, so the harness fails the test that
sent it: `GET /__front/contract[?principal=KEY]`.

Not checked: members the model does not know (AWS ignores them), S3's
streamed bodies (PutObject, UploadPart), `\\p{...}` patterns other than a
character class of Unicode categories."""

import json
import re
import threading
import unicodedata
import uuid

from . import service_models
from .message import access_key, json_answer, local

LOCK = threading.Lock()
VIOLATIONS = []  # {"principal", "service", "operation", "request", "problems"}


def reset():
    with LOCK:
        VIOLATIONS.clear()


def layer(req, next):
    try:
        described = service_models.describe(req)
    except service_models.ModelsMissing as e:
        return json_answer(500, {"error": f"contract check: {e}"})
    if described is None:
        return next(req)
    problems = list(described.problems)
    if described.operation is not None:
        problems += problems_of(
            service_models.model(described.service), described.operation, described.params
        )
    if not problems:
        return next(req)
    with LOCK:
        VIOLATIONS.append(
            {
                "principal": access_key(req),
                "service": described.service,
                "operation": described.operation,
                "request": f"{req.method} {req.target}",
                "problems": problems,
            }
        )
    return refusal(req, described, problems)


def refusal(req, described, problems):
    count = len(problems)
    message = "%d validation error%s detected: %s (aws-front contract check, botocore %s %s %s)" % (
        count,
        "" if count == 1 else "s",
        "; ".join(problems),
        service_models.botocore_version(),
        described.service,
        described.operation or "(no operation)",
    )
    marker = [("x-aws-front-contract", "refused")]
    if req.protocol == "json":
        body = json.dumps({"__type": "ValidationException", "message": message}).encode()
        return local(
            400,
            body,
            "application/x-amz-json-1.1",
            [("x-amzn-ErrorType", "ValidationException"), *marker],
        )
    request_id = uuid.uuid4().hex
    text = xml_escape(message)
    if described.service == "s3":
        body = (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidArgument</Code>"
            f"<Message>{text}</Message><RequestId>{request_id}</RequestId></Error>"
        )
    else:
        code = "InvalidInput" if described.service == "route53" else "InvalidArgument"
        body = (
            "<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{text}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return local(400, body.encode(), "application/xml", marker)


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def problems_of(m, operation, params):
    """What AWS's validation would say of `params` as `operation`'s input."""
    name = m.input_shape(operation)
    if name is None:
        return []
    problems = []
    check(m, name, params, "", problems)
    return problems


def check(m, shape_name, value, path, problems):
    shape = m.shape(shape_name)
    kind = shape["type"]

    def wrong(constraint):
        problems.append(
            "Value %s at '%s' failed to satisfy constraint: %s"
            % (shown(value), path or shape_name, constraint)
        )

    if kind == "structure":
        if not isinstance(value, dict):
            return wrong("Member must be a structure")
        members = shape.get("members", {})
        for name in shape.get("required", []):
            if value.get(name) is None:
                member_path = join(path, members[name].get("locationName", name))
                problems.append(
                    f"Value null at '{member_path}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, item in value.items():
            if name in members and item is not None:
                check(m, members[name]["shape"], item, join(path, name), problems)
        return
    if kind == "list":
        if not isinstance(value, list):
            return wrong("Member must be a list")
        length(shape, len(value), wrong)
        for i, item in enumerate(value):
            if item is not None:
                check(m, shape["member"]["shape"], item, f"{path}.{i + 1}.member", problems)
        return
    if kind == "map":
        if not isinstance(value, dict):
            return wrong("Member must be a map")
        length(shape, len(value), wrong)
        for key, item in value.items():
            check(m, shape["key"]["shape"], key, f"{path}.key", problems)
            if item is not None:
                check(m, shape["value"]["shape"], item, f"{path}.value", problems)
        return
    if kind == "string":
        if not isinstance(value, str):
            return wrong("Member must be a string")
        if "enum" in shape and value not in shape["enum"]:
            wrong("Member must satisfy enum value set: [%s]" % ", ".join(shape["enum"]))
        length(shape, len(value), wrong)
        if "pattern" in shape and not pattern_matches(shape["pattern"], value):
            wrong("Member must satisfy regular expression pattern: %s" % shape["pattern"])
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return wrong("Member must be an integer")
        if "min" in shape and value < shape["min"]:
            wrong("Member must have value greater than or equal to %s" % shape["min"])
        if "max" in shape and value > shape["max"]:
            wrong("Member must have value less than or equal to %s" % shape["max"])
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            wrong("Member must be a number")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            wrong("Member must be a boolean")
        return
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            wrong("Member must be a timestamp")
        return
    if kind == "blob":
        if not isinstance(value, (str, bytes)):
            wrong("Member must be a blob")
        elif "min" in shape and len(value) < shape["min"]:
            wrong("Member must have length greater than or equal to %s" % shape["min"])


def length(shape, n, wrong):
    if "min" in shape and n < shape["min"]:
        wrong("Member must have length greater than or equal to %s" % shape["min"])
    if "max" in shape and n > shape["max"]:
        wrong("Member must have length less than or equal to %s" % shape["max"])


def join(path, name):
    return f"{path}.{name}" if path else name


def shown(value):
    if isinstance(value, str):
        text = value if len(value) <= 200 else value[:200] + "..."
        return "'%s'" % text
    text = json.dumps(value, default=str)
    return "'%s'" % (text if len(text) <= 200 else text[:200] + "...")


# --- patterns -----------------------------------------------------------------

_PATTERNS = {}
# A character class of Unicode categories and literals, repeated:
# `([\p{L}\p{Z}\p{N}_.:/=+\-@]*)`, `[\p{L}\p{M}...]+`, `\p{ASCII}+`.
_CLASS = re.compile(r"^\(?(?:\[((?:\\p\{\w+\}|\\.|[^\]\\])*)\]|(\\p\{\w+\}))([*+])\)?$")
_CATEGORY = re.compile(r"\\p\{(\w+)\}|\\(.)|(.)")


def pattern_matches(pattern, value):
    test = _PATTERNS.get(pattern)
    if test is None:
        test = _PATTERNS[pattern] = compile_pattern(pattern)
    return test(value)


def compile_pattern(pattern):
    """A predicate for the whole value. Java-style `\\p{...}` classes (which
    Python's `re` lacks) are read by hand when they are one repeated class;
    any other pattern Python cannot compile is not checked."""
    if "\\p{" in pattern:
        found = _CLASS.match(pattern)
        if not found:
            return lambda value: True
        body = found.group(1) if found.group(1) is not None else found.group(2)
        categories, literals = [], set()
        for cat, escaped, plain in _CATEGORY.findall(body):
            if cat:
                categories.append(cat)
            else:
                literals.add(escaped or plain)
        minimum = 1 if found.group(3) == "+" else 0

        def in_class(c):
            if c in literals:
                return True
            category = unicodedata.category(c)
            for cat in categories:
                if cat == "ASCII":
                    if ord(c) < 128:
                        return True
                elif category.startswith(cat):
                    return True
            return False

        return lambda value: len(value) >= minimum and all(in_class(c) for c in value)
    try:
        compiled = re.compile(pattern)
    except re.error:
        return lambda value: True
    return lambda value: compiled.fullmatch(value) is not None


def violations(req):
    """GET /contract[?principal=KEY]: the refused requests, in order."""
    who = req.query("principal")
    with LOCK:
        found = [v for v in VIOLATIONS if who is None or v["principal"] == who]
    return json_answer(200, found)


ROUTES = {("GET", "/contract"): violations}
