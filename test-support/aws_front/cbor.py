"""CloudWatch's protocol, translated: the AWS SDK speaks Smithy RPC v2 CBOR to
CloudWatch (`POST /service/<Service>/operation/<Op>`), which moto 5.2.5 does
not route. This layer decodes such a request's CBOR body to JSON and sends it
on in awsJson1_0 (`X-Amz-Target: <Service>.<Op>`), so every later layer and
moto see CloudWatch as they see ECS; the JSON answer is encoded back to CBOR
(fields named *Timestamp as CBOR epoch-time tags), status kept.

A small CBOR codec (RFC 8949), as much as CloudWatch's shapes need."""

import json
import struct
import uuid

from .message import Answer, Request


def layer(req, next):
    if req.protocol != "rpc-v2-cbor":
        return next(req)
    payload = CborDecoder(req.body).item() if req.body else {}
    service = req.path.split("/")[2]
    headers = [
        (name, value)
        for name, value in req.headers
        if name.lower() in ("authorization", "x-amz-date", "x-amz-security-token")
    ]
    headers += [
        ("X-Amz-Target", f"{service}.{req.operation}"),
        ("Content-Type", "application/x-amz-json-1.0"),
    ]
    answer = next(Request("POST", "/", headers, json.dumps(payload).encode()))
    if not isinstance(answer, Answer):
        return answer  # a hang-up stays one
    status, reason, _, data = answer
    try:
        document = json.loads(data) if data else {}
    except ValueError:
        document = {"__type": "InternalFailure", "message": data.decode("utf-8", "replace")}
    if status >= 400 and "__type" in document:
        document["__type"] = str(document["__type"]).split("#")[-1]
    headers = [
        ("Content-Type", "application/cbor"),
        ("smithy-protocol", "rpc-v2-cbor"),
        ("x-amzn-RequestId", uuid.uuid4().hex),
    ]
    return Answer(status, reason, headers, cbor_encode(document))


class CborDecoder:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def argument(self, info):
        if info < 24:
            return info
        if info == 31:
            return None  # indefinite length
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        return int.from_bytes(self.take(size), "big")

    def item(self):
        initial = self.byte()
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info in (22, 23):
                return None
            if info == 25:
                return struct_unpack(">e", self.take(2))
            if info == 26:
                return struct_unpack(">f", self.take(4))
            if info == 27:
                return struct_unpack(">d", self.take(8))
            if info == 31:
                return StopIteration
            raise ValueError(f"CBOR simple value {info}")
        n = self.argument(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            if n is None:
                parts = []
                while (part := self.item()) is not StopIteration:
                    parts.append(part)
                return (b"" if major == 2 else "").join(parts)
            raw = self.take(n)
            return raw if major == 2 else raw.decode("utf-8")
        if major == 4:
            items = []
            while n is None or len(items) < n:
                value = self.item()
                if value is StopIteration:
                    break
                items.append(value)
            return items
        if major == 5:
            result = {}
            while n is None or len(result) < n:
                key = self.item()
                if key is StopIteration:
                    break
                result[key] = self.item()
            return result
        if major == 6:
            return self.item()  # a tag (e.g. epoch time): its value
        raise ValueError(f"CBOR major type {major}")


def struct_unpack(fmt, raw):
    return struct.unpack(fmt, raw)[0]


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("CBOR integer too large")


def cbor_encode(value, key=None):
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, (int, float)) and key and key.endswith("Timestamp"):
        return b"\xc1" + b"\xfb" + struct.pack(">d", float(value))
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return cbor_head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(cbor_encode(v, key) for v in value)
    if isinstance(value, dict):
        return cbor_head(5, len(value)) + b"".join(
            cbor_encode(k) + cbor_encode(v, k) for k, v in value.items()
        )
    raise ValueError(f"cannot encode {type(value).__name__} as CBOR")
