//! Prints the Neptun table's definition as the JSON properties of an `AWS::DynamoDB::Table`
//! (`AttributeDefinitions`, `KeySchema`, `BillingMode`, `TimeToLiveSpecification`):
//!
//!   cargo run -q -p neptun-devtools --bin table-definition
//!
//! It is `neptun_devtools::table::TABLE`, the definition `create-table` and the tests create;
//! `tests/python/test_template.py` checks that `template.yaml` declares the same table.

use std::process::ExitCode;

use neptun_devtools::table::TABLE;

fn main() -> ExitCode {
    if std::env::args().len() > 1 {
        eprintln!("usage: table-definition   (prints the table definition as JSON, no arguments)");
        return ExitCode::from(2);
    }
    println!("{}", TABLE.to_cloudformation_json());
    ExitCode::SUCCESS
}
