"""`template.yaml` against the rest of the repository (run by scripts/check-template.sh).

- The table equals the one `make dev` and the tests create: the JSON that
  `cargo run -q -p neptun-devtools --bin table-definition` prints from tools/neptun-devtools/src/table.rs.
- Every function under functions/ is built by a resource (rust-cargolambda, Binary = crate).
- Every route of Cargo.toml's [workspace.metadata.lambda.watch.router] is the same HttpApi
  event of the same function, and the template serves no other route.
- Each function may call exactly the DynamoDB actions it uses, on the table, and nothing `*`.
- The public read of a shared chat is public (no authorizer) and writes nothing but its
  failed-password counters; the share routes write only inside transactions; every delete
  of a chat may delete its share's row.
- The purge function runs on the table's stream, filtered to chat deletions, with its own
  least-privilege role (exact actions per resource), in chat partitions only.
- Operations (docs/deploy.md, "Limits" and "Alarms and logs"): throttling, reserved concurrency, CORS,
  a log group with the retention parameter for every function and the access log (JSON, no
  path, header or cookie), the alarms of every function, the API, the purge and its failure
  queue, the tracing option, the custom domain, the origin secret, the customer managed keys.
"""

import fnmatch
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TABLE_ARN = {"Fn::GetAtt": ["Table", "Arn"]}
STREAM_ARN = {"Fn::GetAtt": ["Table", "StreamArn"]}
# The functions fed by the table's stream (no HTTP route), with a role of their own.
STREAM_FUNCTIONS = {"purge-chat"}

# The DynamoDB IAM actions each function needs. A TransactWriteItems is authorized per action
# inside it: dynamodb:PutItem for each Put, dynamodb:ConditionCheckItem for each ConditionCheck,
# dynamodb:UpdateItem / DeleteItem for each Update / Delete; a TransactGetItems per Get, as
# dynamodb:GetItem.
# Every function may GetItem: the Init warm-up (shared/neptun-dynamo/src/warm_up.rs) opens the connection.
EXPECTED_ACTIONS = {
    "create-chat": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "list-chats": {"dynamodb:Query", "dynamodb:GetItem"},
    "create-chat-messages": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "list-chat-messages": {"dynamodb:Query", "dynamodb:GetItem"},
    "create-chat-files": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "get-chat-files": {"dynamodb:Query", "dynamodb:GetItem"},
    "get-chat-file-content": {"dynamodb:GetItem"},
    "update-chat": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    # Every write's transaction checks that the user was not erased (ConditionCheckItem).
    "delete-chat": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    "delete-chats": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
    },
    "create-project-chat": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    "list-project-chats": {"dynamodb:Query", "dynamodb:GetItem"},
    "delete-project-chat": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    "delete-project-chats": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
    },
    "delete-last-chat-message": {
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    # The chat's row and the share's row (GetItem); a new share rewrites the chat's rows and
    # puts the share's on the condition that the user was not erased, new
    # settings put the share's row alone, always in a transaction (write_guarded).
    "create-chat-share": {"dynamodb:ConditionCheckItem", "dynamodb:PutItem", "dynamodb:GetItem"},
    "get-chat-share": {"dynamodb:GetItem"},
    "delete-chat-share": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    "create-share-whitelist-entries": {
        "dynamodb:ConditionCheckItem",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    },
    # The share's partition and the messages (Query), the warm-up (GetItem), and the one
    # write: the failed-password counter (UpdateItem, scoped: see PUBLIC_READ_COUNTER).
    "get-shared-chat": {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"},
    # Query: the partition's keys and the META check; BatchWriteItem: the deletes; GetItem:
    # the ERASED row an erased user's removal checks first.
    "purge-chat": {
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
    },
}

# The functions that write a share (or a chat's rows for it): only inside TransactWriteItems.
SHARE_WRITERS = {
    "create-chat-share",
    "delete-chat-share",
    "create-share-whitelist-entries",
}
# The functions that delete chats, and with each its share's row (SHARE#<uuid> / SHARE), in
# the chat's delete transaction (an erased user's shares go with the purge function).
CHAT_DELETERS = {"delete-chat", "delete-chats", "delete-project-chat", "delete-project-chats"}
# The only write of the public read: `ADD n :one SET expires_at = :exp` on
# SHARE#<uuid> / ATTEMPTS#<minute>, ReturnValues UPDATED_NEW (store/shared.rs).
PUBLIC_READ = "get-shared-chat"
PUBLIC_READ_COUNTER = {
    "Effect": "Allow",
    "Action": ["dynamodb:UpdateItem"],
    "Resource": TABLE_ARN,
    "Condition": {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SHARE#*"]},
        "ForAllValues:StringEquals": {"dynamodb:Attributes": ["PK", "SK", "n", "expires_at"]},
        "StringEqualsIfExists": {"dynamodb:ReturnValues": "UPDATED_NEW"},
    },
}
# DynamoDB actions that change data.
WRITE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
}

# Everything the purge function's role allows, as (action, resource) pairs.
PURGE_ROLE_GRANTS = {
    ("dynamodb:BatchWriteItem", json.dumps(TABLE_ARN)),
    ("dynamodb:DeleteItem", json.dumps(TABLE_ARN)),
    ("dynamodb:GetItem", json.dumps(TABLE_ARN)),
    ("dynamodb:Query", json.dumps(TABLE_ARN)),
    ("dynamodb:DescribeStream", json.dumps(STREAM_ARN)),
    ("dynamodb:GetRecords", json.dumps(STREAM_ARN)),
    ("dynamodb:GetShardIterator", json.dumps(STREAM_ARN)),
    ("dynamodb:ListStreams", json.dumps({"Fn::Sub": "${Table.Arn}/stream/*"})),
    ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["PurgeChatFailures", "Arn"]})),
    ("logs:CreateLogStream", json.dumps({"Fn::GetAtt": ["PurgeChatLogGroup", "Arn"]})),
    ("logs:PutLogEvents", json.dumps({"Fn::GetAtt": ["PurgeChatLogGroup", "Arn"]})),
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
        ["cargo", "run", "-q", "-p", "neptun-devtools", "--bin", "table-definition"],
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
        "StreamSpecification",
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


def function_list():
    """The one list of the deployed functions (neptun_core::functions), as the code has it."""
    run = subprocess.run(
        ["cargo", "run", "-q", "-p", "neptun-devtools", "--bin", "functions"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"functions failed:\n{run.stderr}"
    return json.loads(run.stdout)


def shape(path):
    """A route path with its parameters unnamed: the router and API Gateway must name the
    content route's file parameter {message_id} (one name per position), the code {file_id}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_functions_events_and_router_follow_the_one_list():
    listed = function_list()
    names = {function["name"] for function in listed}
    assert len(names) == len(listed), "a function is listed twice"
    assert STREAM_FUNCTIONS == {f["name"] for f in listed if f.get("stream")}
    crates = {path.parent.name for path in (ROOT / "functions").glob("*/Cargo.toml")}
    assert crates == names, "functions/ holds exactly the listed functions"
    folders = {path.name for path in (ROOT / "events").iterdir() if path.is_dir()}
    assert folders == names, "events/ has a folder of sample events per function"
    router = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["metadata"]["lambda"][
        "watch"
    ]["router"]
    routed = {
        (route["method"].upper(), shape(path), route["function"])
        for path, routes in router.items()
        for route in routes
    }
    assert routed == {
        (f["method"], shape(f["path"]), f["name"]) for f in listed if not f.get("stream")
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
        if binary in STREAM_FUNCTIONS:
            continue
        for name, event in resource["Properties"].get("Events", {}).items():
            assert event["Type"] == "HttpApi", f"{binary}.{name}"
            properties = event["Properties"]
            assert properties.get("ApiId") == {"Ref": "Api"}, f"{binary}.{name}: not on the Api"
            served.add((properties["Method"].upper(), properties["Path"], binary))
    assert served == wanted


def test_every_function_gets_exactly_its_dynamodb_actions(functions, template):
    assert set(functions) == set(EXPECTED_ACTIONS), "add the new function's actions here"
    for binary, resource in functions.items():
        if binary in STREAM_FUNCTIONS:
            grants = role_grants(template, resource)
            on_table = {action for action, arn in grants if arn == json.dumps(TABLE_ARN)}
            assert on_table == EXPECTED_ACTIONS[binary], binary
            continue
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


def role_grants(template, function):
    """(action, resource) for every statement of the function's own role."""
    role_ref = function["Properties"].get("Role")
    assert isinstance(role_ref, dict) and "Fn::GetAtt" in role_ref, "a role of its own"
    role = template["Resources"][role_ref["Fn::GetAtt"][0]]
    assert role["Type"] == "AWS::IAM::Role"
    properties = role["Properties"]
    # No managed policy (AWSLambdaDynamoDBExecutionRole reads every stream of the account).
    assert "ManagedPolicyArns" not in properties
    assert "Policies" not in function["Properties"], "SAM would generate a role"
    assert properties["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    grants = set()
    for policy in properties["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            assert "NotAction" not in statement and "NotResource" not in statement
            on_table = statement["Resource"] == TABLE_ARN
            if on_table:
                # The purge deletes in chat partitions, the removal of an erased user in its
                # partitions and shares, and the sweep reads and deletes the pending purge
                # records; nowhere else.
                assert statement["Condition"] in [
                    {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USER#*#CHAT#*"]}},
                    {
                        "ForAllValues:StringLike": {
                            "dynamodb:LeadingKeys": ["USER#*", "SHARE#*", "PURGES#*"]
                        }
                    },
                    {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PURGES#*"]}},
                ], statement
            else:
                assert "Condition" not in statement
            for action in as_list(statement["Action"]):
                assert "*" not in action, action
                for arn in as_list(statement["Resource"]):
                    grants.add((action, json.dumps(arn)))
    return grants


def test_the_purge_function_has_exactly_its_grants(template, functions):
    assert role_grants(template, functions["purge-chat"]) == PURGE_ROLE_GRANTS


def test_the_purge_function_runs_on_chat_deletions_of_the_tables_stream(template, functions):
    assert template["Resources"]["Table"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "KEYS_ONLY"
    }
    function = functions["purge-chat"]["Properties"]
    events = function["Events"]
    assert list(events) == ["ChatDeleted", "Sweep"]
    event = events["ChatDeleted"]
    assert event["Type"] == "DynamoDB"
    properties = event["Properties"]
    assert properties["Stream"] == STREAM_ARN
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert 0 < properties["MaximumRetryAttempts"] <= 100
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["PurgeChatFailures", "Arn"]}}
    }
    assert template["Resources"]["PurgeChatFailures"]["Type"] == "AWS::SQS::Queue"
    # The removal of a META row and the insert of an ERASED row only
    # (shared/neptun-dynamo/src/purge/stream.rs is_chat_deletion, is_erasure).
    chat_deleted, user_erased = properties["FilterCriteria"]["Filters"]
    assert json.loads(chat_deleted["Pattern"]) == {
        "eventName": ["REMOVE"],
        "dynamodb": {"Keys": {"SK": {"S": ["META"]}}},
    }
    assert json.loads(user_erased["Pattern"]) == {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {"SK": {"S": ["ERASED"]}}},
    }
    # It stops 10 s before its end (DEADLINE_MARGIN): the timeout leaves room for work.
    assert function["Timeout"] > 30
    # It serves no request: no session secret.
    assert function["Environment"]["Variables"]["NUXT_SESSION_PASSWORD"] == {"Ref": "AWS::NoValue"}
    assert function["Environment"]["Variables"]["NEPTUN_SESSION_PREVIOUS_PASSWORD"] == {
        "Ref": "AWS::NoValue"
    }
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "PurgeChatLogGroup"}


def test_globals_runtime_logging_and_environment(template):
    function = template["Globals"]["Function"]
    assert function["Runtime"] == "provided.al2023"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "bootstrap"
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    variables = function["Environment"]["Variables"]
    assert variables["TABLE_NAME"] == {"Ref": "Table"}
    assert variables["NUXT_SESSION_PASSWORD"] == {
        "Fn::If": ["HasSessionPassword", {"Ref": "SessionPassword"}, {"Ref": "AWS::NoValue"}]
    }
    assert variables["NEPTUN_SESSION_SECRET_ARN"] == {
        "Fn::If": ["HasSessionSecretArn", {"Ref": "SessionSecretArn"}, {"Ref": "AWS::NoValue"}]
    }


def test_the_session_secret_is_a_no_echo_parameter_or_a_secrets_manager_arn(template):
    parameter = template["Parameters"]["SessionPassword"]
    assert parameter["NoEcho"] is True
    assert parameter["AllowedPattern"] == "^(.{32,})?$"
    # One of the two, enforced before anything is created.
    [assertion] = template["Rules"]["SessionSecretGiven"]["Assertions"]
    assert assertion["Assert"] == {
        "Fn::Or": [
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "SessionPassword"}, ""]}]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "SessionSecretArn"}, ""]}]},
        ]
    }


def test_every_http_function_may_read_the_session_secret_and_nothing_else_may(template):
    policy = template["Resources"]["SessionSecretReadPolicy"]
    assert policy["Condition"] == "HasSessionSecretArn"
    http_functions = {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function" and name != "PurgeChatFunction"
    }
    assert len(http_functions) == 20
    roles = {role["Ref"] for role in policy["Properties"]["Roles"]}
    assert roles == {f"{name}Role" for name in http_functions}
    read, decrypt = policy["Properties"]["PolicyDocument"]["Statement"]
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert read["Resource"] == {"Ref": "SessionSecretArn"}
    condition, statement, otherwise = decrypt["Fn::If"]
    assert condition == "HasSessionSecretKmsKey"
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Resource"] == {"Ref": "SessionSecretKmsKeyArn"}
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == {
        "Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"
    }
    assert otherwise == {"Ref": "AWS::NoValue"}
    purge = template["Resources"]["PurgeChatFunction"]["Properties"]["Environment"]["Variables"]
    assert purge["NEPTUN_SESSION_SECRET_ARN"] == {"Ref": "AWS::NoValue"}


def test_a_rotation_keeps_the_previous_session_secret_until_it_is_emptied(template):
    parameter = template["Parameters"]["PreviousSessionPassword"]
    assert parameter["NoEcho"] is True
    assert parameter["Default"] == ""
    assert parameter["AllowedPattern"] == "^(.{32,})?$"
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["NEPTUN_SESSION_PREVIOUS_PASSWORD"] == {
        "Fn::If": [
            "HasPreviousSessionPassword",
            {"Ref": "PreviousSessionPassword"},
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_signed_file_urls_live_15_minutes_by_default(template):
    assert template["Parameters"]["FileUrlTtlSeconds"]["Default"] == 900


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


def served_methods():
    """Every method of every route the API serves (Cargo.toml's router, one list with the template)."""
    router = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["metadata"]["lambda"][
        "watch"
    ]["router"]
    return {route["method"] for routes in router.values() for route in routes}


def test_cors_allows_every_served_method_and_https_origins_only(template):
    enabled = template["Resources"]["Api"]["Properties"]["CorsConfiguration"]["Fn::If"][1]
    assert set(enabled["AllowMethods"]) == served_methods() | {"OPTIONS"}
    pattern = re.compile(template["Parameters"]["AllowedOrigin"]["AllowedPattern"])
    for allowed in ["", "https://neptun.example.com", "https://localhost:3000"]:
        assert pattern.fullmatch(allowed), allowed
    for refused in [
        "http://neptun.example.com",
        "https://neptun.example.com/",
        "https://*.example.com",
        "https://a.example.com,https://b.example.com",
    ]:
        assert not pattern.fullmatch(refused), refused


def test_every_route_is_throttled_before_a_function_runs(template):
    settings = template["Resources"]["Api"]["Properties"]["DefaultRouteSettings"]
    assert settings == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    for name in ["ApiThrottlingRateLimit", "ApiThrottlingBurstLimit"]:
        parameter = template["Parameters"][name]
        assert parameter["Type"] == "Number" and parameter["Default"] >= 1, name


def test_the_public_read_has_a_bucket_and_a_concurrency_of_its_own(template, functions):
    settings = template["Resources"]["Api"]["Properties"]["RouteSettings"]
    assert settings == {
        "GET /api/shared/chats/{share_uuid}": {
            "ThrottlingRateLimit": {"Ref": "PublicReadThrottlingRateLimit"},
            "ThrottlingBurstLimit": {"Ref": "PublicReadThrottlingBurstLimit"},
        }
    }
    # The route key is the public read's own route.
    event = next(iter(functions[PUBLIC_READ]["Properties"]["Events"].values()))["Properties"]
    assert f"{event['Method'].upper()} {event['Path']}" in settings
    parameters = template["Parameters"]
    assert parameters["PublicReadThrottlingRateLimit"]["Default"] <= parameters[
        "ApiThrottlingRateLimit"
    ]["Default"]
    assert parameters["PublicReadReservedConcurrency"]["Default"] >= 1, "on by default"
    assert functions[PUBLIC_READ]["Properties"]["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasPublicReadReservedConcurrency",
            {"Ref": "PublicReadReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_the_cloudfront_recipe_limits_each_client_by_default():
    recipe = cfn_yaml.load(str(ROOT / "deploy/cloudfront/template.yaml"))
    assert recipe["Parameters"]["WafRateLimit"]["Default"] >= 10


def test_the_log_level_is_one_of_four(template):
    assert template["Parameters"]["LogLevel"]["AllowedValues"] == ["error", "warn", "info", "debug"]


def test_reserved_concurrency_is_a_parameter_off_by_default(template):
    assert template["Globals"]["Function"]["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasReservedConcurrency",
            {"Ref": "FunctionReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Parameters"]["FunctionReservedConcurrency"]["Default"] == 0


def test_the_table_has_deletion_protection_by_default(template):
    table = template["Resources"]["Table"]["Properties"]
    assert table["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}
    assert template["Parameters"]["TableDeletionProtection"]["Default"] == "true"


def test_outputs_name_the_api_url_and_the_table(template):
    outputs = template["Outputs"]
    assert outputs["ApiUrl"]["Value"] == {"Fn::GetAtt": ["Api", "ApiEndpoint"]}
    assert outputs["TableName"]["Value"] == {"Ref": "Table"}


def statements(resource):
    """The inline policy statements of a function (SAM's Policies)."""
    return [
        statement
        for policy in resource["Properties"].get("Policies", [])
        for statement in policy["Statement"]
    ]


def allows(statement_list, action, leading_key, enclosing=None):
    """Whether some statement allows `action` on an item whose partition key is
    `leading_key`, sent alone (`enclosing` None) or inside `enclosing` (such as
    TransactWriteItems). Knows the conditions this template uses, refuses any other."""
    for statement in statement_list:
        if action not in as_list(statement["Action"]):
            continue
        allowed = True
        for operator, keys in statement.get("Condition", {}).items():
            for key, wanted in keys.items():
                wanted = as_list(wanted)
                if key == "dynamodb:EnclosingOperation":
                    assert operator == "ForAnyValue:StringEquals", statement
                    allowed &= enclosing in wanted
                elif key == "dynamodb:LeadingKeys":
                    assert operator == "ForAllValues:StringLike", statement
                    allowed &= any(fnmatch.fnmatchcase(leading_key, w) for w in wanted)
                elif key in {"dynamodb:Attributes", "dynamodb:ReturnValues"}:
                    # Limits what an update names and answers, not where it writes.
                    pass
                else:
                    raise AssertionError(f"a condition this test does not know: {key}")
        if allowed:
            return True
    return False


def test_the_public_read_reads_only_shares_chats_and_its_two_keys(functions):
    granted = statements(functions[PUBLIC_READ])
    # A share's partition, then its chat's messages; never a user's lists or the import's rows.
    for partition in ["SHARE#5f0c2a9e", "USER#42#CHAT#7"]:
        assert allows(granted, "dynamodb:Query", partition), partition
    for other in ["USER#42", "USER#42#PROJECT#3", "IMPORT", "ERASURES", "PURGES#07"]:
        assert not allows(granted, "dynamodb:Query", other), other
    # The warm-up's key and a user's ERASED row; no share, chat or import row.
    for key in ["#warm-up", "USER#42"]:
        assert allows(granted, "dynamodb:GetItem", key), key
    for other in ["SHARE#5f0c2a9e", "IMPORT", "ERASURES", "PURGES#07"]:
        assert not allows(granted, "dynamodb:GetItem", other), other


def test_the_public_read_is_public_and_writes_only_its_password_counters(template, functions):
    # No authorizer anywhere: the routes check the session cookie in code, and the public
    # read needs none unless the share has a whitelist.
    api = template["Resources"]["Api"]["Properties"]
    assert "Auth" not in api, "an authorizer on the API would close the public read"
    function = functions[PUBLIC_READ]["Properties"]
    [(name, event)] = function["Events"].items()
    assert event["Type"] == "HttpApi" and "Auth" not in event["Properties"], name
    assert "public read" in function["Description"]
    granted = statements(functions[PUBLIC_READ])
    writes = [
        statement
        for statement in granted
        if WRITE_ACTIONS & set(as_list(statement["Action"]))
    ]
    # The one write: the counter update, in share partitions, of the counter's attributes.
    assert [{k: v for k, v in w.items() if k != "Sid"} for w in writes] == [PUBLIC_READ_COUNTER]
    for statement in granted:
        # Nothing inside a transaction, and no batch.
        assert "dynamodb:EnclosingOperation" not in json.dumps(statement), statement
        assert not {
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:ConditionCheckItem",
        } & set(as_list(statement["Action"])), statement
    assert allows(granted, "dynamodb:UpdateItem", "SHARE#5f0c2a9e-8d1b-4e7a-9c3f-1a2b3c4d5e6f")
    for other in ["USER#1", "USER#1#CHAT#1000", "ERASURES"]:
        assert not allows(granted, "dynamodb:UpdateItem", other), other


def test_the_public_read_has_the_cpu_of_1024_mb_the_others_the_globals_128(template, functions):
    # Its password check is CPU-bound Argon2id: the size is chosen from make bench's figures
    # (docs/design/shares.md, "The public read"); every other function keeps the smallest size.
    assert template["Globals"]["Function"]["MemorySize"] == 128
    for name, resource in functions.items():
        size = resource["Properties"].get("MemorySize")
        assert size == (1024 if name == PUBLIC_READ else None), name


def test_the_share_routes_write_only_inside_transactions(functions):
    for binary in SHARE_WRITERS:
        for statement in statements(functions[binary]):
            if WRITE_ACTIONS & set(as_list(statement["Action"])):
                assert statement.get("Condition") == {
                    "ForAnyValue:StringEquals": {
                        "dynamodb:EnclosingOperation": "TransactWriteItems"
                    }
                }, f"{binary}: {statement}"


def test_every_delete_of_a_chat_may_delete_its_share(functions):
    share = "SHARE#5f0c2a9e-8d1b-4e7a-9c3f-1a2b3c4d5e6f"
    for binary in CHAT_DELETERS | {"delete-chat-share"}:
        granted = statements(functions[binary])
        assert allows(granted, "dynamodb:DeleteItem", share, "TransactWriteItems"), binary
        # Never outside a transaction.
        assert not allows(granted, "dynamodb:DeleteItem", share), binary


def test_cors_lets_the_share_page_send_its_password(template):
    enabled = template["Resources"]["Api"]["Properties"]["CorsConfiguration"]["Fn::If"][1]
    assert {"authorization", "content-type", "idempotency-key"} <= set(enabled["AllowHeaders"])


def test_the_reserved_concurrency_sizing_counts_every_function(template, functions):
    description = template["Parameters"]["FunctionReservedConcurrency"]["Description"]
    assert f"{len(functions)} functions at N need {len(functions)} * N + 100" in description


def resources_of_type(template, resource_type):
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def logical_id_of(template, binary):
    [logical_id] = [
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and resource["Metadata"]["BuildProperties"]["Binary"] == binary
    ]
    return logical_id


def test_cors_methods_are_those_of_openapi_yaml(template):
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    documented = {
        method.upper()
        for item in spec["paths"].values()
        for method in item
        if method in {"get", "post", "put", "patch", "delete", "head"}
    }
    assert documented == served_methods()
    enabled = template["Resources"]["Api"]["Properties"]["CorsConfiguration"]["Fn::If"][1]
    assert set(enabled["AllowMethods"]) == documented | {"OPTIONS"}


# CloudWatch Logs' retention values (PutRetentionPolicy).
RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                  2192, 2557, 2922, 3288, 3653]


def test_every_function_logs_to_a_group_of_its_own_kept_for_the_retention_parameter(
    template, functions
):
    parameter = template["Parameters"]["LogRetentionDays"]
    assert parameter["AllowedValues"] == RETENTION_DAYS
    assert parameter["Default"] in RETENTION_DAYS
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    for logical_id, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical_id
        assert group["DeletionPolicy"] == "Delete", logical_id
    assert template["Globals"]["Function"]["LoggingConfig"] == {"LogFormat": "JSON"}
    used = set()
    for binary, resource in functions.items():
        group_ref = resource["Properties"]["LoggingConfig"]["LogGroup"]
        [group_id] = group_ref.values()
        assert group_ref == {"Ref": group_id} and group_id in groups, binary
        assert group_id not in used, f"{binary} shares a log group"
        used.add(group_id)
        assert groups[group_id]["Properties"]["LogGroupName"] == {
            "Fn::Sub": f"/aws/lambda/${{AWS::StackName}}-{binary}"
        }, binary
    # The functions' groups and the access log: no group without a writer.
    assert set(groups) == used | {"ApiAccessLogGroup"}


# What an access log line may hold: no path (user, chat and share ids; a public share's uuid
# opens it), no header, cookie, query string or user agent.
ACCESS_LOG_VARIABLES = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
}


def test_the_http_api_writes_a_json_access_log_without_paths_headers_or_cookies(template):
    settings = template["Resources"]["Api"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(settings["Format"])
    assert line == ACCESS_LOG_VARIABLES
    for forbidden in ["path", "header", "cookie", "query", "userAgent", "authorizer"]:
        assert forbidden.lower() not in settings["Format"].lower(), forbidden


def alarm_actions_are_the_topic(alarm):
    properties = alarm["Properties"]
    return (
        alarm.get("Condition") == "HasAlarms"
        and properties["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
        and properties["OKActions"] == [{"Ref": "AlarmTopicArn"}]
        # No data is no traffic, except for the sweep's reports: no data there is no sweep.
        and properties["TreatMissingData"]
        == (
            "breaching"
            if properties["MetricName"] in {"OldestPendingPurgeAge", "OldestErasureAge"}
            else "notBreaching"
        )
    )


def alarms_on(template, namespace, metric, dimension):
    """The alarms of `metric` whose one dimension is `dimension` (name, value)."""
    return [
        alarm
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Namespace"] == namespace
        and alarm["Properties"]["MetricName"] == metric
        and alarm["Properties"]["Dimensions"] == [{"Name": dimension[0], "Value": dimension[1]}]
    ]


def test_alarms_exist_only_with_a_topic_and_notify_it(template):
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert template["Conditions"]["HasAlarms"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]
    }
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    assert alarms
    for logical_id, alarm in alarms.items():
        assert alarm_actions_are_the_topic(alarm), logical_id


def test_every_function_has_error_throttle_and_p99_duration_alarms(template, functions):
    for binary, resource in functions.items():
        function = {"Ref": logical_id_of(template, binary)}
        [errors] = alarms_on(template, "AWS/Lambda", "Errors", ("FunctionName", function))
        [throttles] = alarms_on(template, "AWS/Lambda", "Throttles", ("FunctionName", function))
        for alarm in [errors, throttles]:
            properties = alarm["Properties"]
            assert properties["Statistic"] == "Sum", binary
            assert properties["Threshold"] == 1, binary
            assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", binary
        [duration] = alarms_on(template, "AWS/Lambda", "Duration", ("FunctionName", function))
        properties = duration["Properties"]
        assert properties["ExtendedStatistic"] == "p99", binary
        assert properties["ComparisonOperator"] == "GreaterThanThreshold", binary
        timeout_ms = 1000 * resource["Properties"].get(
            "Timeout", template["Globals"]["Function"]["Timeout"]
        )
        if binary == "purge-chat":
            # Seconds of work by design: near the timeout, not the request threshold.
            assert properties["Threshold"] == timeout_ms * 8 // 10, binary
        else:
            assert properties["Threshold"] == {"Ref": "P99DurationAlarmMs"}, binary
            assert template["Parameters"]["P99DurationAlarmMs"]["Default"] < timeout_ms


def test_the_api_alarms_on_5xx(template):
    [alarm] = alarms_on(template, "AWS/ApiGateway", "5xx", ("ApiId", {"Ref": "Api"}))
    assert alarm["Properties"]["Statistic"] == "Sum"
    assert alarm["Properties"]["Threshold"] == 1


def test_the_purge_alarms_when_behind_and_when_its_failure_queue_holds_a_record(template):
    purge = {"Ref": logical_id_of(template, "purge-chat")}
    [age] = alarms_on(template, "AWS/Lambda", "IteratorAge", ("FunctionName", purge))
    assert age["Properties"]["Statistic"] == "Maximum"
    # Well within the stream's 24 hours.
    assert 0 < age["Properties"]["Threshold"] <= 3_600_000
    [queue] = alarms_on(
        template,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        ("QueueName", {"Fn::GetAtt": ["PurgeChatFailures", "QueueName"]}),
    )
    assert queue["Properties"]["Threshold"] == 0
    assert queue["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"


def test_tracing_is_an_option_of_every_function_off_by_default(template):
    parameter = template["Parameters"]["Tracing"]
    assert {"Active", "PassThrough"} <= set(parameter["AllowedValues"])
    # Disabled: SAM sets no TracingConfig and gives its roles no X-Ray policy.
    assert parameter["Default"] == "Disabled"
    assert template["Globals"]["Function"]["Tracing"] == {"Ref": "Tracing"}
    assert template["Conditions"]["TracingEnabled"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "Tracing"}, "Disabled"]}]
    }
    # The purge's own role gets the X-Ray writes only then, in a policy of their own.
    attached = {
        logical_id: policy
        for logical_id, policy in resources_of_type(template, "AWS::IAM::Policy").items()
        if {"Ref": "PurgeChatRole"} in policy["Properties"]["Roles"]
    }
    assert list(attached) == ["PurgeChatTracingPolicy"]
    policy = attached["PurgeChatTracingPolicy"]
    assert policy["Condition"] == "TracingEnabled"
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_the_purge_deletes_only_what_deleted_chats_and_erased_users_leave(template, functions):
    role = template["Resources"]["PurgeChatRole"]["Properties"]
    granted = [
        statement
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]
    for action in ["dynamodb:BatchWriteItem", "dynamodb:Query"]:
        # A chat's partition (schema: USER#<user>#CHAT#<chat>), and an erased user's rows:
        # its partitions, its shares, its chats' pending purges.
        for partition in ["USER#42#CHAT#7", "USER#42", "USER#42#PROJECT#3", "SHARE#5f0c2a9e"]:
            assert allows(granted, action, partition), (action, partition)
        # Never the import's list of erased users or records, or anything else.
        for other in ["ERASURES", "#warm-up", "IMPORT"]:
            assert not allows(granted, action, other), (action, other)
    # The sweep: the pending purge records, read and deleted one by one; the ERASED row read.
    for action in ["dynamodb:Query", "dynamodb:DeleteItem"]:
        assert allows(granted, action, "PURGES#07"), action
    assert allows(granted, "dynamodb:GetItem", "USER#42")
    assert not allows(granted, "dynamodb:DeleteItem", "USER#42#CHAT#7")
    assert not allows(granted, "dynamodb:PutItem", "USER#42")


def test_the_sweep_runs_hourly_and_an_alarm_watches_what_it_leaves(template, functions):
    events = functions["purge-chat"]["Properties"]["Events"]
    assert events["Sweep"] == {
        "Type": "Schedule",
        "Properties": {
            "Schedule": "rate(1 hour)",
            "Description": "Purges the deleted chats whose purge the table's stream did not finish.",
        },
    }
    alarm = template["Resources"]["PendingPurgeAgeAlarm"]
    assert alarm["Condition"] == "HasAlarms"
    properties = alarm["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == ("Neptun", "OldestPendingPurgeAge")
    assert properties["Dimensions"] == [{"Name": "Function", "Value": "purge-chat"}]
    # More than a day old, or no sweep for three hours.
    assert (properties["Threshold"], properties["ComparisonOperator"]) == (86400, "GreaterThanThreshold")
    assert properties["TreatMissingData"] == "breaching"
    assert properties["Period"] * properties["EvaluationPeriods"] == 3 * 3600


def test_a_custom_domain_switches_the_execute_api_endpoint_off(template):
    for name in ["CustomDomainName", "CustomDomainCertificateArn"]:
        assert template["Parameters"][name]["Default"] == "", name
    api = template["Resources"]["Api"]["Properties"]
    assert api["DisableExecuteApiEndpoint"] == {"Fn::If": ["HasCustomDomain", True, False]}
    domain = template["Resources"]["ApiDomain"]
    assert domain["Type"] == "AWS::ApiGatewayV2::DomainName"
    assert domain["Condition"] == "HasCustomDomain"
    assert domain["Properties"]["DomainName"] == {"Ref": "CustomDomainName"}
    [configuration] = domain["Properties"]["DomainNameConfigurations"]
    assert configuration["CertificateArn"] == {"Ref": "CustomDomainCertificateArn"}
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    mapping = template["Resources"]["ApiDomainMapping"]
    assert mapping["Type"] == "AWS::ApiGatewayV2::ApiMapping"
    assert mapping["Condition"] == "HasCustomDomain"
    assert mapping["Properties"]["ApiId"] == {"Ref": "Api"}
    assert mapping["Properties"]["DomainName"] == {"Ref": "ApiDomain"}
    # A name without a certificate is refused, not ignored.
    rule = template["Rules"]["CustomDomainNeedsACertificate"]
    assert rule["RuleCondition"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CustomDomainName"}, ""]}]
    }
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CustomDomainCertificateArn"}, ""]}]
    }


def test_the_origin_secret_is_a_no_echo_parameter_of_the_request_functions_only(
    template, functions
):
    parameter = template["Parameters"]["OriginVerifySecret"]
    assert parameter["NoEcho"] is True
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch("")
    assert pattern.fullmatch("a" * 32)
    assert not pattern.fullmatch("a" * 31)
    assert not pattern.fullmatch("a" * 31 + "\n")
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ORIGIN_VERIFY_SECRET"] == {
        "Fn::If": [
            "HasOriginVerifySecret",
            {"Ref": "OriginVerifySecret"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    purge = functions["purge-chat"]["Properties"]["Environment"]["Variables"]
    assert purge["ORIGIN_VERIFY_SECRET"] == {"Ref": "AWS::NoValue"}


def test_customer_managed_keys_are_options_of_the_table_and_the_functions(template):
    for name in ["TableKmsKeyArn", "FunctionKmsKeyArn"]:
        parameter = template["Parameters"][name]
        assert parameter["Default"] == "", name
        pattern = re.compile(parameter["AllowedPattern"])
        assert pattern.fullmatch("")
        assert pattern.fullmatch(
            "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
        assert not pattern.fullmatch("alias/aws/dynamodb"), name
    assert template["Resources"]["Table"]["Properties"]["SSESpecification"] == {
        "Fn::If": [
            "HasTableKmsKey",
            {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "TableKmsKeyArn"}},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Globals"]["Function"]["KmsKeyArn"] == {
        "Fn::If": ["HasFunctionKmsKey", {"Ref": "FunctionKmsKeyArn"}, {"Ref": "AWS::NoValue"}]
    }
