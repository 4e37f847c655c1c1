"""CloudWatch DescribeAlarms as AWS answers it, where moto 5.2.5 differs:

- `AlarmTypes`: "If you omit this parameter, only metric alarms are returned,
  even if composite alarms exist in the account"; CompositeAlarm returns only
  composite ones (CloudWatch API reference, DescribeAlarms). moto returns both
  kinds whatever was asked.
- Paging: at most `MaxRecords` (1-100) alarms per answer, the rest behind
  `NextToken` (the service model's paginator). moto returns everything at once.
  AWS does not document the default page size; the front uses 50.

- Composite alarms: moto 5.2.5 has none (PutCompositeAlarm is a 500, and its
  PutMetricAlarm drops `AlarmRule`): the front keeps them (PutCompositeAlarm,
  SetAlarmState, DeleteAlarms) and adds them to DescribeAlarms' answers as
  `CompositeAlarms`. Their state moves only by SetAlarmState (the rule is
  kept, not evaluated).

Always on: these are AWS's answers, not a scenario."""

import base64
import json
import threading
import time

from .message import Answer

DEFAULT_PAGE = 50
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"

LOCK = threading.Lock()
COMPOSITES = {}  # name -> the composite alarm, as DescribeAlarms shows it


def reset():
    with LOCK:
        COMPOSITES.clear()
KINDS = (
    ("MetricAlarm", "MetricAlarms"),
    ("CompositeAlarm", "CompositeAlarms"),
    ("LogAlarm", "LogAlarms"),
)


def layer(req, next):
    if req.service != "cloudwatch":
        return next(req)
    payload = req.payload if isinstance(req.payload, dict) else {}
    handler = COMPOSITE_CALLS.get(req.operation)
    if handler is not None:
        answer = handler(payload)
        if answer is not None:
            return answer
    if req.operation != "DescribeAlarms":
        return next(req)
    types = payload.get("AlarmTypes") or ["MetricAlarm"]
    size = payload.get("MaxRecords") or DEFAULT_PAGE
    if not isinstance(size, int) or not 1 <= size <= 100:
        return error("ValidationError", "MaxRecords must be between 1 and 100")
    try:
        start = int(base64.b64decode(payload["NextToken"]).decode()) if payload.get("NextToken") else 0
    except (ValueError, TypeError):
        return error("InvalidNextToken", "The next token specified is invalid.")
    answer = next(req)
    if not isinstance(answer, Answer) or answer.status != 200:
        return answer
    document = json.loads(answer.body or b"{}")
    document["CompositeAlarms"] = composites(payload)
    found = []
    for kind, field in KINDS:
        if kind in types:
            found += [(field, a) for a in document.get(field) or []]
    found.sort(key=lambda item: (item[0], item[1].get("AlarmName", "")))
    page = found[start : start + size]
    out = {field: [a for f, a in page if f == field] for _, field in KINDS}
    if start + size < len(found):
        out["NextToken"] = base64.b64encode(str(start + size).encode()).decode()
    return answer._replace(body=json.dumps(out).encode())


def error(code, message):
    data = json.dumps({"__type": code, "message": message}).encode()
    return Answer(400, None, [("Content-Type", "application/x-amz-json-1.0")], data)


def ok(value):
    return Answer(200, "OK", [("Content-Type", "application/x-amz-json-1.0")], json.dumps(value).encode())


def put_composite(payload):
    name = payload.get("AlarmName")
    if not isinstance(name, str) or not payload.get("AlarmRule"):
        return error("ValidationError", "AlarmName and AlarmRule are required")
    now = time.time()
    with LOCK:
        COMPOSITES[name] = {
            "AlarmName": name,
            "AlarmArn": ARN + name,
            "AlarmRule": payload["AlarmRule"],
            "AlarmDescription": payload.get("AlarmDescription", ""),
            "ActionsEnabled": payload.get("ActionsEnabled", True),
            "StateValue": "INSUFFICIENT_DATA",
            "StateReason": "Unchecked: Initial alarm creation",
            "StateUpdatedTimestamp": now,
            "AlarmConfigurationUpdatedTimestamp": now,
        }
    return ok({})


def set_state(payload):
    """SetAlarmState of a composite alarm; None for any other (moto's)."""
    with LOCK:
        alarm = COMPOSITES.get(payload.get("AlarmName"))
        if alarm is None:
            return None
        alarm["StateValue"] = payload.get("StateValue", alarm["StateValue"])
        alarm["StateReason"] = payload.get("StateReason", "")
        alarm["StateUpdatedTimestamp"] = time.time()
    return ok({})


def delete(payload):
    """Forgets the composite alarms named; moto deletes the others (None)."""
    with LOCK:
        for name in payload.get("AlarmNames") or []:
            COMPOSITES.pop(name, None)
    return None


def composites(payload):
    names = payload.get("AlarmNames")
    prefix = payload.get("AlarmNamePrefix")
    state = payload.get("StateValue")
    with LOCK:
        return [
            dict(a)
            for name, a in sorted(COMPOSITES.items())
            if (not names or name in names)
            and (not prefix or name.startswith(prefix))
            and (not state or a["StateValue"] == state)
        ]


COMPOSITE_CALLS = {"PutCompositeAlarm": put_composite, "SetAlarmState": set_state, "DeleteAlarms": delete}
