use mcp_runtime::prelude::*;

struct Overflow;

#[tool]
fn add(a: i64, b: i64) -> Result<i64, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}

fn main() {
    let _ = add_tool::<()>();
}
