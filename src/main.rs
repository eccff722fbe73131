fn main() -> std::process::ExitCode {
    alloc_tuning::release_large_blocks();
    chartgen::cli::main()
}

/// glibc's allocator serves blocks of 128 KB and more with their own
/// mappings, returned to the system when freed, but it raises that
/// threshold to the size of every such block freed (up to 32 MB): after
/// the first large buffer is dropped, the page bodies, search files and
/// chunks a site build makes and frees all stay in the heap, and its
/// resident size only grows. A fixed threshold keeps it dynamic-free.
/// Measured on the 300-page benchmark corpus: peak RSS about 120 MB with
/// the default, about 100 MB with a fixed 64 KB threshold, same CPU
/// time (docs/benchmarks.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod alloc_tuning {
    const M_MMAP_THRESHOLD: i32 = -3;

    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }

    pub fn release_large_blocks() {
        // SAFETY: mallopt only sets an allocator parameter; it is called
        // before any other thread exists. A refusal (0) changes nothing.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod alloc_tuning {
    pub fn release_large_blocks() {}
}
