//! The parts of `template.yaml` and of `Cargo.toml` that the route table
//! (`neptun_core::functions`) decides: each HTTP function's resource, log group and alarms,
//! the roles that may read the session secret, and the router of `cargo lambda watch`. They
//! are written between `<generated ...>` markers, around which everything stays as written;
//! a function's own settings (its IAM policy, a timeout or memory size of its own) come from
//! `functions/<name>/properties.yaml`.
//!
//!   cargo run -q -p neptun-devtools --bin template            rewrites both files
//!   cargo run -q -p neptun-devtools --bin template -- --check  fails if either differs

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use neptun_core::functions::Function;

/// What cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: no '{marker}' line")]
    MissingMarker { path: PathBuf, marker: String },
    #[error("{path}: no `description = \"...\"` line")]
    MissingDescription { path: PathBuf },
}

/// The generated file and where it goes.
pub struct Generated {
    pub path: PathBuf,
    pub text: String,
}

/// `template.yaml` and `Cargo.toml` of the repository at `root`, as the route table makes them.
pub fn generate(root: &Path) -> Result<[Generated; 2], TemplateError> {
    let template_path = root.join("template.yaml");
    let mut template = read(&template_path)?;
    let mut resources = String::new();
    let mut roles = String::new();
    let mut log_groups = String::new();
    let mut alarms = String::new();
    for function in Function::ALL {
        let own = read(
            &root
                .join("functions")
                .join(function.name())
                .join("properties.yaml"),
        )?;
        resources.push_str(&function_resource(root, function, &own)?);
        let _ = writeln!(
            roles,
            "        - !Ref {}FunctionRole",
            resource_name(function)
        );
        log_groups.push_str(&log_group(function));
        alarms.push_str(&function_alarms(function, timeout_seconds(&own)));
    }
    for (region, indent, text) in [
        ("functions", "  ", resources),
        ("session secret readers", "        ", roles),
        ("log groups", "  ", log_groups),
        ("function alarms", "  ", alarms),
    ] {
        template = replace_region(&template_path, &template, region, indent, &text)?;
    }

    let cargo_path = root.join("Cargo.toml");
    let cargo = replace_region(&cargo_path, &read(&cargo_path)?, "router", "", &router())?;
    Ok([
        Generated {
            path: template_path,
            text: template,
        },
        Generated {
            path: cargo_path,
            text: cargo,
        },
    ])
}

fn read(path: &Path) -> Result<String, TemplateError> {
    std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The resource's name stem: `CreateChat` for `create-chat`.
pub fn resource_name(function: Function) -> String {
    format!("{function:?}")
}

/// `text` between the lines `<indent># <generated REGION ...>` and `<indent># </generated REGION>`.
fn replace_region(
    path: &Path,
    file: &str,
    region: &str,
    indent: &str,
    text: &str,
) -> Result<String, TemplateError> {
    let open = format!("{indent}# <generated {region}: ");
    let close = format!("{indent}# </generated {region}>\n");
    let missing = |marker: &str| TemplateError::MissingMarker {
        path: path.to_owned(),
        marker: marker.trim().to_owned(),
    };
    let start = file.find(&open).ok_or_else(|| missing(&open))?;
    let body = start + file[start..].find('\n').ok_or_else(|| missing(&open))? + 1;
    let end = body + file[body..].find(&close).ok_or_else(|| missing(&close))?;
    Ok(format!("{}{text}{}", &file[..body], &file[end..]))
}

/// The function's `Timeout` when its properties set one of its own.
fn timeout_seconds(own: &str) -> Option<u32> {
    own.lines()
        .find_map(|line| line.strip_prefix("Timeout:"))
        .and_then(|value| value.trim().parse().ok())
}

fn function_resource(root: &Path, function: Function, own: &str) -> Result<String, TemplateError> {
    let name = function.name();
    let stem = resource_name(function);
    let manifest = root.join("functions").join(name).join("Cargo.toml");
    let description = read(&manifest)?
        .lines()
        .find_map(|line| line.strip_prefix("description = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or(TemplateError::MissingDescription { path: manifest })?;
    let mut text = format!(
        "  {stem}Function:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: {name}
    Properties:
      Description: {description}
      CodeUri: ./
      LoggingConfig:
        LogGroup: !Ref {stem}LogGroup
      Events:
        Api:
          Type: HttpApi
          Properties:
            ApiId: !Ref Api
            Method: {method}
            Path: {path}
",
        method = function.method(),
        path = gateway_path(function),
    );
    for line in own.lines() {
        if line.is_empty() {
            text.push('\n');
        } else {
            let _ = writeln!(text, "      {line}");
        }
    }
    text.push('\n');
    Ok(text)
}

fn log_group(function: Function) -> String {
    format!(
        "  {stem}LogGroup:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Properties:
      LogGroupName: !Sub /aws/lambda/${{AWS::StackName}}-{name}
      RetentionInDays: !Ref LogRetentionDays

",
        stem = resource_name(function),
        name = function.name(),
    )
}

/// Any error, any throttle, and a p99 duration above `P99DurationAlarmMs` (or, for a function
/// with a timeout of its own, above 80 % of it) for 15 minutes.
fn function_alarms(function: Function, timeout: Option<u32>) -> String {
    let stem = resource_name(function);
    let name = function.name();
    let (threshold, comment) = match timeout {
        Some(seconds) => (
            (seconds * 800).to_string(),
            format!("  # {name} has a timeout of its own ({seconds} s): 80 % of it.\n"),
        ),
        None => ("!Ref P99DurationAlarmMs".to_owned(), String::new()),
    };
    let alarm = |kind: &str, description: &str, metric: &str, statistic: &str, rest: &str| {
        format!(
            "  {stem}{kind}Alarm:
    Type: AWS::CloudWatch::Alarm
    Condition: HasAlarms
    Properties:
      AlarmDescription: {description}
      Namespace: AWS/Lambda
      MetricName: {metric}
      Dimensions:
        - Name: FunctionName
          Value: !Ref {stem}Function
      {statistic}
{rest}      TreatMissingData: notBreaching
      AlarmActions: [!Ref AlarmTopicArn]
      OKActions: [!Ref AlarmTopicArn]

"
        )
    };
    let at_least_one = "      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
";
    let errors = alarm(
        "Errors",
        &format!("{name} failed (a crash or a timeout)."),
        "Errors",
        "Statistic: Sum",
        at_least_one,
    );
    let throttles = alarm(
        "Throttles",
        &format!("{name} was throttled (no concurrency left)."),
        "Throttles",
        "Statistic: Sum",
        at_least_one,
    );
    let duration = alarm(
        "Duration",
        &format!("p99 duration of {name} above the threshold for 15 minutes."),
        "Duration",
        "ExtendedStatistic: p99",
        &format!(
            "      Period: 300
      EvaluationPeriods: 3
      Threshold: {threshold}
      ComparisonOperator: GreaterThanThreshold
"
        ),
    );
    format!("{errors}{throttles}{comment}{duration}")
}

/// The function's path as API Gateway (and `cargo lambda watch`'s router) takes it: a
/// parameter is named as the first route of the table names the parameter at the same place,
/// since both refuse differently named variables at one position of sibling routes
/// (`.../files/{message_id}` and `.../files/{file_id}/content`). The handlers read ids by
/// position, so the name does not matter to them.
pub fn gateway_path(function: Function) -> String {
    let shape = |path: &str, upto: usize| -> String {
        path.split('/')
            .take(upto)
            .map(|segment| {
                if segment.starts_with('{') {
                    "{}"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let path = function.path_template();
    path.split('/')
        .enumerate()
        .map(|(at, segment)| {
            if !segment.starts_with('{') {
                return segment.to_owned();
            }
            let place = shape(&path, at + 1);
            Function::ALL
                .into_iter()
                .map(Function::path_template)
                .find(|other| other.split('/').count() > at && shape(other, at + 1) == place)
                .and_then(|other| other.split('/').nth(at).map(str::to_owned))
                .unwrap_or_else(|| segment.to_owned())
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `[workspace.metadata.lambda.watch.router]`: each path once, its methods in a fixed order.
fn router() -> String {
    let mut paths: Vec<String> = Vec::new();
    for function in Function::ALL {
        let path = gateway_path(function);
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    let method_order = ["GET", "POST", "PATCH", "DELETE"];
    let mut text = String::from("[workspace.metadata.lambda.watch.router]\n");
    for path in paths {
        let _ = writeln!(text, "\"{path}\" = [");
        let mut functions: Vec<Function> = Function::ALL
            .into_iter()
            .filter(|function| gateway_path(*function) == path)
            .collect();
        functions.sort_by_key(|function| {
            method_order
                .iter()
                .position(|method| *method == function.method().as_str())
        });
        for function in functions {
            let _ = writeln!(
                text,
                "    {{ method = \"{}\", function = \"{}\" }},",
                function.method(),
                function.name()
            );
        }
        text.push_str("]\n");
    }
    text
}
