"""`openapi.yaml` against itself, the cargo-lambda router, and real responses of every route.

`NEPTUN_OPENAPI_RESPONSES` names a JSON file of exchanges (request and response) collected from
the handlers by `tests/tests/it/openapi.rs`, which runs this module. Without it the response tests
are skipped; the document and router checks always run.

An exchange is `{"function", "method", "path", "query", "request": {"content_type", "body"},
"status", "headers": {lower-case name: value}, "body"}`, `path` starting at `/api/users/` or `/api/shared/`
(below any stage or base path), `body` the response text.
"""

import json
import os
import re
import tomllib
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
SPEC_URI = "urn:neptun:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
RESPONSES = os.environ.get("NEPTUN_OPENAPI_RESPONSES")

needs_responses = pytest.mark.skipif(
    not RESPONSES, reason="NEPTUN_OPENAPI_RESPONSES names no responses file"
)


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry(spec):
    return Registry().with_resource(SPEC_URI, Resource(contents=spec, specification=DRAFT202012))


@pytest.fixture(scope="module")
def exchanges():
    return json.loads(Path(RESPONSES).read_text(encoding="utf-8"))


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(spec, obj):
    """Follows `$ref`s of non-schema objects (responses, headers, parameters)."""
    while isinstance(obj, dict) and "$ref" in obj:
        node = spec
        for part in obj["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def schema_errors(registry, schema_pointer, instance):
    """Validation errors of `instance` against the schema at `schema_pointer` in the spec."""
    validator = Draft202012Validator(
        {"$ref": SPEC_URI + schema_pointer},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
        for e in validator.iter_errors(instance)
    ]


def operations(spec):
    """(path template, method) -> (operation, JSON pointer of the operation)."""
    found = {}
    for template, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                found[(template, method)] = (item[method], pointer("paths", template, method))
    return found


def template_regex(template):
    pattern = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


def match_operation(spec, method, path):
    """The operation for a concrete request path, with the raw path parameters."""
    for (template, op_method), (operation, at) in operations(spec).items():
        found = template_regex(template).match(path)
        if found and op_method == method.lower():
            return template, operation, at, found.groupdict()
    return None


def media_type(content, content_type):
    """The `content` key for a response content type: exact, then `type/*`, then `*/*`."""
    essence = content_type.split(";")[0].strip().lower()
    for key in (essence, essence.split("/")[0] + "/*", "*/*"):
        if key in content:
            return key
    return None


def coerce(value, schema_pointer, spec):
    """A header, path or query value (text) as the schema's type wants it."""
    schema = spec
    for part in schema_pointer.removeprefix("#/").split("/"):
        schema = schema[part.replace("~1", "/").replace("~0", "~")]
    schema = resolve(spec, schema)
    if schema.get("type") == "integer" and re.fullmatch(r"[0-9]+", value):
        return int(value)
    return value


def normalized(template):
    return re.sub(r"\{[^}]+\}", "{}", template)


# --- the document itself ---------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1.")
    validate_spec(spec)


def test_every_schema_is_valid_and_every_reference_resolves(spec, registry):
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    resolver = registry.resolver()
    references = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    references.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert references
    for reference in references:
        resolver.lookup(SPEC_URI + reference)


def test_the_router_and_the_document_name_the_same_routes(spec):
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    router = cargo["workspace"]["metadata"]["lambda"]["watch"]["router"]
    routed = {
        (normalized(path), route["method"].lower()): route["function"]
        for path, routes in router.items()
        for route in routes
    }
    documented = {
        (normalized(template), method): operation.get("x-lambda-function")
        for (template, method), (operation, _) in operations(spec).items()
    }
    missing = sorted(set(routed) - set(documented))
    assert not missing, f"routes of the cargo-lambda router missing in openapi.yaml: {missing}"
    extra = sorted(set(documented) - set(routed))
    assert not extra, f"operations of openapi.yaml missing in the router: {extra}"
    for key, function in routed.items():
        assert documented[key] == function, f"{key}: router {function}, document {documented[key]}"


# --- real responses --------------------------------------------------------------------------


def check_exchange(spec, registry, exchange):
    """Every way an exchange disagrees with the document."""
    problems = []
    matched = match_operation(spec, exchange["method"], exchange["path"])
    if matched is None:
        return [f"no operation for {exchange['method']} {exchange['path']}"]
    template, operation, at, raw_params = matched
    status = str(exchange["status"])
    if status not in operation["responses"]:
        return [f"status {status} is not documented for {exchange['method']} {template}"]
    response_at = f"{at}/responses/{status}"
    response = resolve(spec, operation["responses"][status])
    if "$ref" in operation["responses"][status]:
        response_at = "#" + operation["responses"][status]["$ref"].removeprefix("#")

    # Headers: every required one present, every one sent documented and valid.
    headers = {name.lower(): value for name, value in exchange["headers"].items()}
    documented = {
        name.lower(): (resolve(spec, header), name)
        for name, header in response.get("headers", {}).items()
    }
    for name, (header, original) in documented.items():
        header_at = f"{response_at}/headers/{original}"
        if "$ref" in response["headers"][original]:
            header_at = "#" + response["headers"][original]["$ref"].removeprefix("#")
        if name not in headers:
            if header.get("required"):
                problems.append(f"required header {original} missing")
            continue
        value = coerce(headers[name], f"{header_at}/schema", spec)
        problems += [f"header {original}: {e}" for e in schema_errors(registry, f"{header_at}/schema", value)]
    for name in headers:
        if name != "content-type" and name not in documented:
            problems.append(f"header {name} is not documented")

    # Body: the content type is documented and the body valid against its schema.
    content = response.get("content", {})
    content_type = headers.get("content-type", "")
    key = media_type(content, content_type)
    if key is None:
        problems.append(f"content type {content_type!r} is not documented ({list(content)})")
    else:
        essence = content_type.split(";")[0].strip().lower()
        if essence == "application/json" or essence.endswith("+json"):
            if key == "application/json" and content_type != "application/json":
                problems.append(f"JSON responses say exactly application/json, not {content_type!r}")
            try:
                body = json.loads(exchange["body"])
            except ValueError as error:
                problems.append(f"body is not JSON: {error}")
                body = None
        else:
            body = exchange["body"]
        if body is not None or key != "application/json":
            schema_at = f"{response_at}/content/{key.replace('~', '~0').replace('/', '~1')}/schema"
            problems += [f"body {e}" for e in schema_errors(registry, schema_at, body)]

    # A successful request was a valid one: its path, query and body fit the document.
    if status.startswith("2"):
        problems += request_problems(spec, registry, template, operation, at, raw_params, exchange)
    return problems


def request_problems(spec, registry, template, operation, at, raw_params, exchange):
    problems = []
    parameters = [(p, f"{pointer('paths', template)}/parameters/{i}") for i, p in
                  enumerate(spec["paths"][template].get("parameters", []))]
    parameters += [(p, f"{at}/parameters/{i}") for i, p in enumerate(operation.get("parameters", []))]
    query = dict(
        pair.split("=", 1) for pair in exchange.get("query", "").split("&") if "=" in pair
    )
    for parameter, parameter_at in parameters:
        if "$ref" in parameter:
            parameter_at = "#" + parameter["$ref"].removeprefix("#")
        parameter = resolve(spec, parameter)
        source = {"path": raw_params, "query": query}.get(parameter["in"])
        if source is None or parameter["name"] not in source:
            if parameter.get("required") and source is not None:
                problems.append(f"required {parameter['in']} parameter {parameter['name']} missing")
            continue
        value = coerce(source[parameter["name"]], f"{parameter_at}/schema", spec)
        problems += [
            f"{parameter['in']} parameter {parameter['name']}: {e}"
            for e in schema_errors(registry, f"{parameter_at}/schema", value)
        ]
    for name in raw_params:
        if not any(resolve(spec, p)["name"] == name for p, _ in parameters):
            problems.append(f"path parameter {name} is not documented")
    request_body = operation.get("requestBody")
    if request_body is not None:
        request = exchange.get("request", {})
        body = request.get("body")
        media_type = (request.get("content_type") or "application/json").split(";")[0].strip().lower()
        if media_type == "application/x-www-form-urlencoded":
            if media_type not in request_body["content"]:
                problems.append("a successful form request on a route that documents no form")
                return problems
            # As the API (and h3) read a form: strings, a repeated key the list of its values.
            fields = defaultdict(list)
            for key, value in parse_qsl(body or "", keep_blank_values=True):
                fields[key].append(value)
            body = {key: values[0] if len(values) == 1 else values for key, values in fields.items()}
            schema_at = f"{at}/requestBody/content/application~1x-www-form-urlencoded/schema"
        else:
            try:
                body = json.loads(body) if body is not None else None
            except ValueError:
                problems.append("a successful request with a body that is not JSON")
                return problems
            schema_at = f"{at}/requestBody/content/application~1json/schema"
        problems += [f"request body {e}" for e in schema_errors(registry, schema_at, body)]
    return problems


@needs_responses
def test_every_response_is_described_by_the_document(spec, registry, exchanges):
    assert exchanges, "no exchanges collected"
    failures = []
    for exchange in exchanges:
        for problem in check_exchange(spec, registry, exchange):
            failures.append(
                f"{exchange['function']}: {exchange['method']} {exchange['path']}"
                f" -> {exchange['status']}: {problem}"
            )
    assert not failures, "\n".join(failures)


@needs_responses
def test_every_documented_status_of_every_route_was_seen(spec, exchanges):
    seen = defaultdict(set)
    for exchange in exchanges:
        matched = match_operation(spec, exchange["method"], exchange["path"])
        if matched:
            seen[(matched[0], exchange["method"].lower())].add(str(exchange["status"]))
    missing = []
    for (template, method), (operation, _) in operations(spec).items():
        for status in operation["responses"]:
            if status not in seen[(template, method)]:
                missing.append(f"{method.upper()} {template} {status}")
    assert not missing, "documented but never answered: " + ", ".join(missing)


@needs_responses
def test_every_function_answered(spec, exchanges):
    functions = {op.get("x-lambda-function") for op, _ in operations(spec).values()}
    answered = {exchange["function"] for exchange in exchanges}
    assert functions <= answered, f"no exchanges of {sorted(functions - answered)}"
