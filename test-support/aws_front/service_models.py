"""The AWS service models: botocore's `service-2.json` for each service the
front knows, and a request read through them — which operation it is and
what its input members are (JSON body; or, for REST-XML, the URI labels,
query string, headers and XML body as the model places them).

The models are botocore's data files, read as JSON (botocore itself is not
imported): botocore is pinned beside moto in scripts/emulator.sh, so the
shapes the front checks against are a known version. A front run by a python
without botocore stops at the first request it must read, saying so."""

import gzip
import importlib.util
import json
import os
import re
import threading
import urllib.parse
import xml.etree.ElementTree as ET

# The front's service names -> botocore's data folder and API version.
MODELS = {
    "ecs": ("ecs", "2014-11-13"),
    "ecr": ("ecr", "2015-09-21"),
    "cloudwatch": ("cloudwatch", "2010-08-01"),
    "s3": ("s3", "2006-03-01"),
    "cloudfront": ("cloudfront", "2020-05-31"),
    "route53": ("route53", "2013-04-01"),
}

_LOCK = threading.Lock()
_LOADED = {}


class ModelsMissing(Exception):
    """botocore's data files cannot be found."""


def botocore_dir():
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise ModelsMissing(
            "botocore is not importable by this python: run the front with the "
            "emulator's venv (scripts/emulator.sh install; MOTO_PYTHON)"
        )
    return list(spec.submodule_search_locations)[0]


def botocore_version():
    try:
        with open(os.path.join(botocore_dir(), "__init__.py")) as f:
            found = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", f.read())
        return found.group(1) if found else "?"
    except (OSError, ModelsMissing):
        return "?"


def model(service):
    """The service's model, loaded on first use; None for services without one."""
    if service not in MODELS:
        return None
    with _LOCK:
        if service not in _LOADED:
            folder, version = MODELS[service]
            base = os.path.join(botocore_dir(), "data", folder, version, "service-2.json")
            path = base + ".gz" if os.path.exists(base + ".gz") else base
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                _LOADED[service] = Model(service, json.load(f))
        return _LOADED[service]


class Model:
    def __init__(self, service, doc):
        self.service = service
        self.metadata = doc["metadata"]
        self.operations = doc["operations"]
        self.shapes = doc["shapes"]
        self.routes = {}  # method -> [Route]
        for name, op in self.operations.items():
            route = Route(name, op["http"])
            self.routes.setdefault(route.method, []).append(route)

    def input_shape(self, operation):
        op = self.operations.get(operation)
        if op is None or "input" not in op:
            return None
        return op["input"]["shape"]

    def shape(self, name):
        return self.shapes[name]


class Route:
    """One REST operation's method and URI template, e.g. PUT /{Bucket}?versioning."""

    def __init__(self, operation, http):
        self.operation = operation
        self.method = http["method"]
        path, _, query = http["requestUri"].partition("?")
        self.literals = {}
        for part in filter(None, query.split("&")):
            name, _, value = part.partition("=")
            self.literals[name] = value or None
        pattern = ""
        self.labels = []  # (regex group, label name)
        for piece in re.split(r"(\{[^}]+\})", normalise(path)):
            if piece.startswith("{"):
                name = piece[1:-1]
                group = "g%d" % len(self.labels)
                pattern += "(?P<%s>%s)" % (group, ".+" if name.endswith("+") else "[^/]+")
                self.labels.append((group, name.rstrip("+")))
            else:
                pattern += re.escape(piece)
        self.pattern = re.compile(pattern + r"\Z")

    def match(self, method, path, query):
        """The URI labels when method, path and literal query match, else None."""
        if method != self.method:
            return None
        found = self.pattern.match(path)
        if not found:
            return None
        for name, value in self.literals.items():
            if name not in query:
                return None
            if value is not None and query[name] != [value]:
                return None
        return {name: urllib.parse.unquote(found.group(g)) for g, name in self.labels}


def normalise(path):
    return path.rstrip("/") or "/"


class Described:
    """A request read through its service's model: the operation (None when no
    operation of the model matches), its input members as values, what could
    not be read (no operation matches, a body that does not parse), and the
    operations that matched its method and URI, best first."""

    def __init__(self, service, operation, params, problems=(), candidates=()):
        self.service = service
        self.operation = operation
        self.params = params
        self.problems = list(problems)
        self.candidates = list(candidates)


def describe(req):
    """The request through its model (cached on the request), or None when its
    service has no model here."""
    cached = getattr(req, "_described", False)
    if cached is not False:
        return cached
    described = None
    m = model(req.service) if req.service else None
    if m is not None:
        if req.protocol == "json":
            described = describe_json(m, req)
        elif req.protocol == "rest":
            described = describe_rest(m, req)
    req._described = described
    return described


def describe_json(m, req):
    if req.operation not in m.operations:
        return Described(m.service, None, {}, [f"no operation {req.operation} in the model"])
    payload = req.payload
    if payload is None:
        return Described(m.service, req.operation, {}, ["the body is not JSON"])
    if not isinstance(payload, dict):
        return Described(m.service, req.operation, {}, ["the body is not a JSON object"])
    return Described(m.service, req.operation, payload)


def describe_rest(m, req):
    """The REST operation this request is. Several can share a method and URI
    (S3's PutObject, CopyObject and UploadPart): the SDK's `x-id` query names
    it when present; else the one with the most literal query keys, then the
    most required members present (a copy source, a part number), then the
    fewest problems."""
    from .contract import problems_of  # the checks, for the tie-break

    query = urllib.parse.parse_qs(req.query_string, keep_blank_values=True)
    path = normalise(req.path)
    matches = []
    for route in m.routes.get(req.method, []):
        labels = route.match(req.method, path, query)
        if labels is not None:
            matches.append((route, labels))
    x_id = (query.get("x-id") or [None])[0]
    if x_id:
        named = [(r, l) for r, l in matches if r.operation == x_id]
        if named:
            matches = named
    if not matches:
        return Described(m.service, None, {}, [f"no {m.service} operation is {req.method} {req.path}"])
    ranked = []
    for route, labels in matches:
        params, unreadable = rest_params(m, route.operation, labels, query, req)
        name = m.input_shape(route.operation)
        shape = m.shape(name) if name else {}
        present = sum(
            1
            for member in shape.get("required", [])
            if member in params and shape["members"][member].get("location") != "uri"
        )
        wrong = len(unreadable) + len(problems_of(m, route.operation, params))
        ranked.append(((-len(route.literals), -present, wrong), route, params, unreadable))
    ranked.sort(key=lambda r: r[0])
    _, route, params, unreadable = ranked[0]
    return Described(
        m.service, route.operation, params, unreadable, [r.operation for _, r, _, _ in ranked]
    )


def rest_params(m, operation, labels, query, req):
    """The operation's input members from the request, as the model places
    them; and what could not be read."""
    name = m.input_shape(operation)
    if name is None:
        return {}, []
    shape = m.shape(name)
    params, unreadable = {}, []
    body_members = {}
    for member, ref in shape.get("members", {}).items():
        where = ref.get("location")
        wire = ref.get("locationName", member)
        target = m.shape(ref["shape"])
        if where == "uri":
            if wire in labels:
                params[member] = scalar(target, labels[wire])
        elif where == "querystring":
            if target["type"] == "map":
                params[member] = {k: v[0] for k, v in query.items()}
            elif wire in query:
                values = query[wire]
                if target["type"] == "list":
                    item = m.shape(target["member"]["shape"])
                    params[member] = [scalar(item, v) for v in values]
                else:
                    params[member] = scalar(target, values[0])
        elif where == "header":
            value = req.header(wire)
            if value is not None:
                params[member] = scalar(target, value)
        elif where == "headers":
            prefix = wire.lower()
            found = {k[len(prefix):]: v for k, v in req.headers if k.lower().startswith(prefix)}
            if found:
                params[member] = found
        elif where is None:
            body_members[member] = ref
    payload = shape.get("payload")
    if payload:
        ref = shape["members"][payload]
        target = m.shape(ref["shape"])
        if target["type"] == "structure" and req.body:
            root = xml_root(req.body, unreadable)
            if root is not None:
                params[payload] = xml_value(m, ref["shape"], root)
        elif req.body:
            # A streamed blob (an object's bytes) is not checked; a string
            # payload (a bucket policy) is text.
            if target["type"] == "string":
                params[payload] = req.body.decode("utf-8", "replace")
            else:
                params[payload] = req.body
    elif body_members and req.body:
        root = xml_root(req.body, unreadable)
        if root is not None:
            params.update(xml_structure(m, body_members, root))
    return params, unreadable


def xml_root(body, unreadable):
    try:
        return ET.fromstring(body)
    except ET.ParseError as e:
        unreadable.append(f"the body is not XML: {e}")
        return None


def local_name(tag):
    return tag.rsplit("}", 1)[-1]


def xml_structure(m, members, element):
    out = {}
    children = list(element)
    for member, ref in members.items():
        if ref.get("xmlAttribute"):
            continue
        target = m.shape(ref["shape"])
        wire = ref.get("locationName", member)
        if target["type"] == "list" and (ref.get("flattened") or target.get("flattened")):
            item_wire = target["member"].get("locationName", wire)
            items = [c for c in children if local_name(c.tag) in (wire, item_wire)]
            if items:
                out[member] = [xml_value(m, target["member"]["shape"], c) for c in items]
            continue
        found = [c for c in children if local_name(c.tag) == wire]
        if found:
            out[member] = xml_value(m, ref["shape"], found[0])
    return out


def xml_value(m, shape_name, element):
    shape = m.shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        return xml_structure(m, shape.get("members", {}), element)
    if kind == "list":
        return [xml_value(m, shape["member"]["shape"], c) for c in element]
    if kind == "map":
        entries = {}
        for entry in element:
            key = value = None
            for part in entry:
                if local_name(part.tag) == shape["key"].get("locationName", "key"):
                    key = part.text or ""
                elif local_name(part.tag) == shape["value"].get("locationName", "value"):
                    value = xml_value(m, shape["value"]["shape"], part)
            if key is not None:
                entries[key] = value
        return entries
    return scalar(shape, element.text or "")


def scalar(shape, text):
    """A text value (URI label, query, header, XML) as its shape's type; left
    as text when it does not parse, for the check to report."""
    kind = shape["type"]
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            return text
    return text
