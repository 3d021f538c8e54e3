//! Stage timings for people tuning a build: with `RB_SITE_TIMINGS` set in the environment,
//! each timed stage prints its wall time to stderr, and on Linux the process's resident memory
//! when it ended and its peak so far (`timing: pages    1.234 s   rss 412 MiB   peak 530 MiB`).
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
    let seconds = started.elapsed().as_secs_f64();
    match memory() {
        Some((rss, peak)) => {
            eprintln!(
                "timing: {stage:<24} {seconds:>8.3} s   rss {rss:>5} MiB   peak {peak:>5} MiB"
            )
        }
        None => eprintln!("timing: {stage:<24} {seconds:>8.3} s"),
    }
    value
}

/// The resident set and its high-water mark, in MiB, from `/proc/self/status` (Linux only).
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
