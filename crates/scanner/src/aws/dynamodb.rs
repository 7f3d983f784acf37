//! DynamoDB attribute helpers for the tables driftscan keeps (the fan-out's runs, the ledger).

/// A DynamoDB string attribute.
pub fn ddb_s(value: impl Into<String>) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(value.into())
}

/// A DynamoDB number attribute.
pub fn ddb_n(value: u64) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::N(value.to_string())
}
