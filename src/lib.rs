//! rb-site: a static site generator for operations runbooks.
pub mod config;
pub mod diag;
pub mod model;
pub mod search;
