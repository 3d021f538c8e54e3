//! rb-site: a static site generator for operations runbooks.
pub mod alerts;
pub mod config;
pub mod diag;
pub mod model;
