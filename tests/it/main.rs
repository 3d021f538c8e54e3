//! Integration tests: one binary, one module per area, a small fixture site per scenario.

mod adopt;
mod alerts;
mod alerts_e2e;
mod alerts_fix;
mod bad_input;
mod bounds;
mod browser;
mod build;
mod cli;
mod conventions;
mod corpora;
mod fuzz;
mod hostile;
mod mermaid_layout;
mod parity;
mod render;
mod search;
mod serve;
mod ship;
mod support;
mod validate;
