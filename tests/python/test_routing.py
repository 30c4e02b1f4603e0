"""The routing recipes of deploy/ against openapi.yaml and the web app's own routes (run by
scripts/check-template.sh; docs/deploy.md, "Routing from the web app's origin").

Each recipe sends a path to the chat API when one of its patterns matches it:

- deploy/vercel/vercel.json: Vercel rewrites (path-to-regexp, strict and case-sensitive: a
  `:name` is one segment);
- deploy/vercel/nuxt.config.routeRules.ts: Nitro routeRules keys (radix3: `*` and `:name` are
  one segment, a trailing `/**` the rest of the path);
- deploy/cloudfront/template.yaml: CloudFront cache behaviours (`*` is any run of characters,
  `/` included; `?` one character), and the WAF rule's regex of the same paths.

Every recipe must match every path of openapi.yaml, every web app route that the chat API
replaces (its route shape is one of openapi.yaml's), and none of the web app's other routes
(tests/python/fixtures/webapp_server_api_routes.txt, from neptun.web's server/api tree).
"""

import functools
import json
import re
from pathlib import Path

import pytest
import yaml
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "python" / "fixtures" / "webapp_server_api_routes.txt"
API_PLACEHOLDER = "https://API_ID.execute-api.REGION.amazonaws.com"
METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}

# The web app's route files without a method in their name, that the chat API replaces, with the
# methods their handler accepts: server/api/users/[user_id]/chats/index.ts
# (`assertMethod(event, ['POST', 'DELETE', 'GET'])`).
WEBAPP_ANY_METHOD_ROUTES_REPLACED = {"/api/users/:user_id/chats": {"GET", "POST", "DELETE"}}


@functools.cache
def openapi_routes():
    """{path with `:name` parameters: {methods}} of openapi.yaml."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return {
        re.sub(r"\{(\w+)\}", r":\1", path): {m.upper() for m in item if m in METHODS}
        for path, item in spec["paths"].items()
    }


@functools.cache
def webapp_routes():
    """(method or None, path) of every line of the fixture."""
    routes = []
    for line in FIXTURE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        assert len(parts) in (1, 2), line
        method, path = (None, parts[0]) if len(parts) == 1 else parts
        assert method is None or method.lower() in METHODS, line
        assert re.fullmatch(r"(/([a-z0-9_.-]+|:[a-z_]+))+", path), line
        routes.append((method, path))
    return routes


def shape(path):
    """A route with its parameters unnamed."""
    return re.sub(r":\w+", ":", path)


def replaced(path):
    """Whether the chat API serves this route of the web app (the same route shape)."""
    return shape(path) in {shape(p) for p in openapi_routes()}


def instances(path, values):
    """Concrete paths of a route: every parameter set to each of `values`."""
    found = [""]
    for segment in path.strip("/").split("/"):
        options = values if segment.startswith(":") else [segment]
        found = [f"{prefix}/{option}" for prefix in found for option in options]
    return found


# Parameter values: a number, and every literal segment of the chat API's paths, so that a
# pattern that merely resembles a route of ours (a parameter named like our literals) is caught
# by the recipes that match segment by segment.
NUMBER = ["7"]
LITERALS = sorted(
    {s for p in openapi_routes() for s in p.strip("/").split("/") if not s.startswith(":")}
)


# --- The recipes' patterns, as regular expressions of a whole path ------------------------------


def vercel_source_regex(source):
    # What vercel.json here may use of path-to-regexp: literal segments and `:name` segments.
    assert re.fullmatch(r"(/([A-Za-z0-9_.-]+|:[a-z_]+))+", source), source
    return re.compile(
        "".join(
            "/[^/#?]+?" if segment.startswith(":") else "/" + re.escape(segment)
            for segment in source.strip("/").split("/")
        )
    )


def route_rule_regex(key):
    # radix3 as Nitro matches routeRules (a trailing slash is ignored there, not here).
    assert re.fullmatch(r"(/([A-Za-z0-9_.-]+|\*|:[a-z_]+))+(/\*\*)?", key), key
    rest = key.endswith("/**")
    segments = key[: -3 if rest else None].strip("/").split("/")
    pattern = "".join(
        "/[^/]+" if s == "*" or s.startswith(":") else "/" + re.escape(s) for s in segments
    )
    return re.compile(pattern + ("(/.*)?" if rest else ""))


def cloudfront_regex(path_pattern):
    assert path_pattern.startswith("/"), path_pattern
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in path_pattern)
    )


def vercel_rewrites():
    return json.loads((ROOT / "deploy" / "vercel" / "vercel.json").read_text())["rewrites"]


def route_rule_keys():
    text = (ROOT / "deploy" / "vercel" / "nuxt.config.routeRules.ts").read_text()
    keys = re.findall(r"^\s*'(/[^']*)':\s*toChatApi,\s*$", text, re.MULTILINE)
    assert len(keys) == text.count("toChatApi,"), "every rule names toChatApi, one a line"
    return keys


def cloudfront_template():
    return cfn_yaml.load(str(ROOT / "deploy" / "cloudfront" / "template.yaml"))


def cloudfront_api_patterns():
    config = cloudfront_template()["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviours = config["CacheBehaviors"]
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "web-app"
    assert {b["TargetOriginId"] for b in behaviours} == {"chat-api"}
    return [b["PathPattern"] for b in behaviours]


def waf_regex():
    [rule] = cloudfront_template()["Resources"]["WebAcl"]["Properties"]["Rules"]
    statement = rule["Statement"]["RateBasedStatement"]["ScopeDownStatement"]
    return re.compile(statement["RegexMatchStatement"]["RegexString"])


RECIPES = {
    # name: (regexes, whether they match segment by segment)
    "vercel.json": (lambda: [vercel_source_regex(r["source"]) for r in vercel_rewrites()], True),
    "routeRules": (lambda: [route_rule_regex(k) for k in route_rule_keys()], True),
    "cloudfront": (lambda: [cloudfront_regex(p) for p in cloudfront_api_patterns()], False),
    "waf": (lambda: [waf_regex()], True),
}


def matched(regexes, path):
    return any(r.fullmatch(path) for r in regexes)


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_the_recipe_sends_every_route_of_openapi_yaml_to_the_chat_api(recipe):
    regexes = RECIPES[recipe][0]()
    for path in openapi_routes():
        for concrete in instances(path, NUMBER + ["5f0c2a9e-8d1b-4e7a-9c3f-1a2b3c4d5e6f"]):
            assert matched(regexes, concrete), (recipe, concrete)


@pytest.mark.parametrize("recipe", sorted(RECIPES))
def test_the_recipe_sends_none_of_the_web_apps_other_routes(recipe):
    regexes, by_segment = RECIPES[recipe][0](), RECIPES[recipe][1]
    # CloudFront's `*` spans segments: there, parameters are what the web app's are (ids).
    values = NUMBER + LITERALS if by_segment else NUMBER
    for _, path in webapp_routes():
        if replaced(path):
            for concrete in instances(path, NUMBER):
                assert matched(regexes, concrete), (recipe, path)
            continue
        for concrete in instances(path, values):
            assert not matched(regexes, concrete), (recipe, path, concrete)


def test_the_fixture_lists_the_web_apps_routes_and_the_replaced_ones_are_ours():
    routes = webapp_routes()
    assert len(routes) == len(set(routes)), "a route is listed twice"
    ours = openapi_routes()
    by_shape = {shape(path): methods for path, methods in ours.items()}
    chat_prefixes = re.compile(r"/api/(users/:\w+/(projects/:\w+/)?chats|shared/chats)(/|$)")
    for method, path in routes:
        # The web app's chat routes are exactly the replaced ones.
        assert replaced(path) == bool(chat_prefixes.match(path)), path
        if not replaced(path):
            continue
        # Every method the web app serves there, the chat API serves too.
        methods = {method} if method else WEBAPP_ANY_METHOD_ROUTES_REPLACED[path]
        assert methods <= by_shape[shape(path)], (method, path)
    # The web app has a handler for most of ours (the file content route is new).
    assert {shape(p) for _, p in routes if replaced(p)} >= {
        shape(p) for p in ours if not p.endswith("/content")
    }


def test_vercel_rewrites_go_to_the_same_path_of_the_chat_api():
    rewrites = vercel_rewrites()
    assert [r["source"] for r in rewrites] == list(openapi_routes())
    for rewrite in rewrites:
        assert set(rewrite) == {"source", "destination"}, rewrite
        # Every parameter used in the destination: Vercel adds unused ones to the query.
        assert rewrite["destination"] == API_PLACEHOLDER + rewrite["source"], rewrite


def test_route_rules_proxy_the_whole_path_to_the_chat_api():
    text = (ROOT / "deploy" / "vercel" / "nuxt.config.routeRules.ts").read_text()
    assert f"|| '{API_PLACEHOLDER}'" in text
    # A target ending in /** gets the request's path and query; a key without /** strips none.
    assert "to: `${chatApiUrl}/**`" in text
    assert not any(key.endswith("/**") for key in route_rule_keys())
    assert len(route_rule_keys()) == len(openapi_routes())


def test_the_cloudfront_recipe_passes_cookies_and_caches_nothing_of_the_api():
    config = cloudfront_template()["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    for behaviour in config["CacheBehaviors"]:
        assert behaviour["CachePolicyId"] == caching_disabled, behaviour
        assert behaviour["OriginRequestPolicyId"] == all_viewer_except_host, behaviour
        assert {"GET", "POST", "PATCH", "DELETE", "OPTIONS"} <= set(behaviour["AllowedMethods"])
        assert behaviour["ViewerProtocolPolicy"] == "https-only"
    [api] = [o for o in config["Origins"] if o["Id"] == "chat-api"]
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert config["WebACLId"] == {
        "Fn::If": ["HasWaf", {"Fn::GetAtt": ["WebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]
    }
