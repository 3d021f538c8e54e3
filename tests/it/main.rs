//! Integration tests: one binary, one module per area, a small fixture site per scenario.

mod alerts;
mod bad_input;
mod browser;
mod build;
mod cli;
mod conventions;
mod corpora;
mod render;
mod search;
mod serve;
mod ship;
mod support;
mod validate;
