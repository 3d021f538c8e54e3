//! Stage timings for people tuning a build: with `RB_SITE_TIMINGS` set in the environment,
//! each timed stage prints its wall time to stderr (`timing: render pages 1.234 s`).
//! Off by default: a build's own output never depends on it.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("RB_SITE_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// Runs `f`, printing how long it took when timings are on.
pub fn time<T>(stage: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let started = Instant::now();
    let value = f();
    eprintln!(
        "timing: {stage:<24} {:>8.3} s",
        started.elapsed().as_secs_f64()
    );
    value
}
