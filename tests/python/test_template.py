"""`template.yaml` against the rest of the repository (run by scripts/check-template.sh).

- The table equals the one `make dev` and the tests create: the JSON that
  `cargo run -q -p neptun-cli --bin table-definition` prints from shared/src/store/table.rs.
- Every function under functions/ is built by a resource (rust-cargolambda, Binary = crate).
- Every route of Cargo.toml's [workspace.metadata.lambda.watch.router] is the same HttpApi
  event of the same function, and the template serves no other route.
- Each function may call exactly the DynamoDB actions it uses, on the table, and nothing `*`.
"""

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TABLE_ARN = {"Fn::GetAtt": ["Table", "Arn"]}

# The DynamoDB IAM actions each function needs. A TransactWriteItems is authorized per action
# inside it: dynamodb:PutItem for each Put, dynamodb:ConditionCheckItem for each ConditionCheck,
# dynamodb:UpdateItem / DeleteItem for each Update / Delete; a TransactGetItems per Get, as
# dynamodb:GetItem.
# Every function may GetItem: the Init warm-up (shared/src/context.rs) opens the connection.
EXPECTED_ACTIONS = {
    "create-chat": {"dynamodb:PutItem", "dynamodb:GetItem"},
    "list-chats": {"dynamodb:Query", "dynamodb:GetItem"},
    "create-chat-messages": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "list-chat-messages": {"dynamodb:Query", "dynamodb:GetItem"},
    "create-chat-files": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "get-chat-files": {"dynamodb:Query", "dynamodb:GetItem"},
    "get-chat-file-content": {"dynamodb:GetItem"},
    "update-chat": {"dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "delete-chat": {"dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "delete-chats": {"dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "delete-last-chat-message": {
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
}


@pytest.fixture(scope="module")
def template():
    # cfn-lint's loader understands the short intrinsic tags (!Ref, !GetAtt, !If, ...).
    return cfn_yaml.load(str(ROOT / "template.yaml"))


@pytest.fixture(scope="module")
def functions(template):
    """Binary (crate) name -> the function's resource, for every rust-cargolambda function."""
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        metadata = resource.get("Metadata", {})
        assert metadata.get("BuildMethod") == "rust-cargolambda", logical_id
        binary = metadata.get("BuildProperties", {}).get("Binary")
        assert binary, f"{logical_id} names no BuildProperties.Binary"
        assert binary not in found, f"two resources build {binary}"
        found[binary] = resource
    return found


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_the_table_is_the_one_make_dev_and_the_tests_create(template):
    run = subprocess.run(
        ["cargo", "run", "-q", "-p", "neptun-cli", "--bin", "table-definition"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"table-definition failed:\n{run.stderr}"
    definition = json.loads(run.stdout)
    assert set(definition) == {
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "TimeToLiveSpecification",
    }
    table = template["Resources"]["Table"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    properties = table["Properties"]
    for name, expected in definition.items():
        assert properties.get(name) == expected, f"Table.{name} differs from table.rs"
    # create_table() makes no index either.
    assert "GlobalSecondaryIndexes" not in properties
    assert "LocalSecondaryIndexes" not in properties


def test_the_table_survives_deletes_and_can_be_restored(template):
    table = template["Resources"]["Table"]
    assert table.get("DeletionPolicy") == "Retain"
    assert table.get("UpdateReplacePolicy") == "Retain"
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }


def test_every_function_crate_is_built(functions):
    crates = set()
    for manifest in sorted((ROOT / "functions").glob("*/Cargo.toml")):
        crates.add(tomllib.loads(manifest.read_text())["package"]["name"])
    assert crates, "no function crates found under functions/"
    assert set(functions) == crates
    for binary, resource in functions.items():
        assert resource["Properties"].get("CodeUri") == "./", f"{binary}: CodeUri must be ./"


def test_every_router_route_is_served_by_its_function(functions):
    router = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["metadata"]["lambda"][
        "watch"
    ]["router"]
    wanted = {
        (route["method"].upper(), path, route["function"])
        for path, routes in router.items()
        for route in routes
    }
    served = set()
    for binary, resource in functions.items():
        for name, event in resource["Properties"].get("Events", {}).items():
            assert event["Type"] == "HttpApi", f"{binary}.{name}"
            properties = event["Properties"]
            assert properties.get("ApiId") == {"Ref": "Api"}, f"{binary}.{name}: not on the Api"
            served.add((properties["Method"].upper(), properties["Path"], binary))
    assert served == wanted


def test_every_function_gets_exactly_its_dynamodb_actions(functions):
    assert set(functions) == set(EXPECTED_ACTIONS), "add the new function's actions here"
    for binary, resource in functions.items():
        actions = set()
        for policy in resource["Properties"].get("Policies", []):
            # Inline statements only: no SAM policy templates such as DynamoDBCrudPolicy.
            assert isinstance(policy, dict) and set(policy) <= {"Version", "Statement"}, binary
            for statement in policy["Statement"]:
                assert statement["Effect"] == "Allow", binary
                assert "NotAction" not in statement and "NotResource" not in statement, binary
                for action in as_list(statement["Action"]):
                    assert "*" not in action, f"{binary}: {action}"
                    actions.add(action)
                for arn in as_list(statement["Resource"]):
                    assert "*" not in json.dumps(arn), f"{binary}: {arn}"
                    assert arn == TABLE_ARN, f"{binary}: {arn}"
        assert actions == EXPECTED_ACTIONS[binary], binary


def test_globals_runtime_logging_and_environment(template):
    function = template["Globals"]["Function"]
    assert function["Runtime"] == "provided.al2023"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "bootstrap"
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    variables = function["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == {"Ref": "Table"}
    assert variables["NUXT_SESSION_PASSWORD"] == {"Ref": "SessionPassword"}


def test_the_session_secret_is_a_no_echo_parameter_without_default(template):
    parameter = template["Parameters"]["SessionPassword"]
    assert parameter["NoEcho"] is True
    assert parameter["MinLength"] >= 32
    assert "Default" not in parameter


def test_cors_is_on_only_with_an_origin(template):
    cors = template["Resources"]["Api"]["Properties"]["CorsConfiguration"]
    condition, enabled, disabled = cors["Fn::If"]
    assert condition == "CorsEnabled"
    assert template["Conditions"]["CorsEnabled"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigin"}, ""]}]
    }
    assert enabled["AllowOrigins"] == [{"Ref": "AllowedOrigin"}]
    assert enabled["AllowCredentials"] is True
    assert disabled == {"Ref": "AWS::NoValue"}


def test_outputs_name_the_api_url_and_the_table(template):
    outputs = template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == {"Fn::GetAtt": ["Api", "ApiEndpoint"]}
    assert outputs["TableName"]["Value"] == {"Ref": "Table"}
