//! The integration-test binary: one module per area, fixtures under `tests/fixtures/`.
mod alerts;
