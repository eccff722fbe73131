//! Phase timings for profiling a build: with `GEN_TIMINGS=1` in the
//! environment, each phase prints its wall time to stderr. Off by default,
//! so output stays deterministic; costs one environment lookup per phase.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("GEN_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Prints `phase: N ms` since `start` when timings are on, and returns now.
pub fn lap(phase: &str, start: Instant) -> Instant {
    let now = Instant::now();
    if enabled() {
        errln!(
            "gen timings: {phase}: {:.1} ms",
            (now - start).as_secs_f64() * 1000.0
        );
    }
    now
}
