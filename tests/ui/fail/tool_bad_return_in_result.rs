use mcp_runtime::prelude::*;

struct Sum {
    value: i64,
}

#[tool]
async fn add(a: i64, b: i64) -> Result<Sum, ToolError> {
    Ok(Sum { value: a + b })
}

fn main() {
    let _ = add_tool::<()>();
}
