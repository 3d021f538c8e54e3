//! Integration tests: one binary, one module per area, a small fixture site per scenario.

mod alerts;
mod bad_input;
mod build;
mod render;
mod support;
