//! The cost of one rate-limit check: in process (a SHA-256 of the key, a lock, a table
//! update) and on a real Redis (one Lua script over loopback), and the Redis fallback's in-process
//! answer. `cargo bench -p mcp-runtime --bench limits` (the Redis part starts Debian's
//! `redis-server` on a free port, and fails when it is missing).

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mcp_runtime::{Limiter, Rate};

/// A rate no benchmark loop reaches: every check is allowed and written.
const GENEROUS: Rate = Rate::new(u32::MAX, Duration::from_secs(1));

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

fn check(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("rate limit check");
    let memory = Limiter::in_process(10_000);
    group.bench_function("in process", |b| {
        b.iter(|| black_box(runtime.block_on(memory.check("bench", "alice", GENEROUS, 1))))
    });

    let port = free_port();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is needed for this benchmark (apt-get install redis-server)");
    std::thread::sleep(Duration::from_millis(300));
    let url = format!("redis://127.0.0.1:{port}/0");
    let _guard = runtime.enter();
    let shared =
        Limiter::redis(&url, "bench", Duration::from_millis(100), 10_000).expect("a Redis URL");
    assert!(!shared.is_falling_back());
    runtime.block_on(shared.check("bench", "alice", GENEROUS, 1));
    assert!(!shared.is_falling_back(), "Redis answers");
    group.bench_function("Redis (loopback)", |b| {
        b.iter(|| black_box(runtime.block_on(shared.check("bench", "alice", GENEROUS, 1))))
    });
    let _ = redis.kill();
    let _ = redis.wait();
    runtime.block_on(shared.check("bench", "alice", GENEROUS, 1));
    assert!(shared.is_falling_back(), "Redis is gone");
    group.bench_function("Redis down, fallback answering", |b| {
        b.iter(|| black_box(runtime.block_on(shared.check("bench", "alice", GENEROUS, 1))))
    });
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
