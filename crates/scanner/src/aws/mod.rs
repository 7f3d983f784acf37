//! AWS at driftscan's edges: SDK configuration and credentials ([`load`], [`assume_role`]),
//! how SDK errors are told ([`error_code`]), S3 objects ([`get_snapshot_object`]) and DynamoDB
//! attributes ([`ddb_s`]).

mod credentials;
mod dynamodb;
mod errors;
mod objects;
mod sdk;

pub use aws_types::SdkConfig;
pub use credentials::{
    check_credentials, credentials_problem, CredentialsError, CREDENTIALS_ERROR, EXPIRED_TOKEN,
};
pub use dynamodb::{ddb_n, ddb_s};
pub use errors::{error_chain, error_code};
pub use objects::{
    get_object, get_snapshot_object, get_text_object, gunzip, gzip, parse_s3_uri, put_object,
    put_snapshot_object, s3_client, ObjectError, ObjectProblem,
};
pub use sdk::{assume_role, caller_account, default_region, for_region, load, load_for};
