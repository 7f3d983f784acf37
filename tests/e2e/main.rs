//! End-to-end tests: the real `driftscan` binary against a real AWS emulator (moto, server
//! mode) on a loopback port. Each test starts its own emulator, so tests run in parallel
//! without sharing state. They fail, never skip, when the emulator cannot start.

// libc makes pipes and process groups (browser.rs, support.rs).
#![allow(unsafe_code)]

mod browser;
mod cloudtrail;
mod fault_proxy;
mod runtime_api;
mod support;

mod attribution;
mod bad_input;
mod cache;
mod cdn;
mod certificates;
mod cli;
mod cli_output;
mod compare;
mod destroy;
mod dns;
mod edge;
mod exact_maps;
mod failures;
mod fan_out;
mod faults;
mod firewall;
mod iac;
mod images;
mod infra;
mod interchange;
mod keys;
mod lambda;
mod least_privilege;
mod logs;
mod organization;
mod parity;
mod previews;
mod publish;
mod roles;
mod sarif;
mod scan;
mod secrets;
mod secrets_manager;
mod security_hub;
mod snapshot;
