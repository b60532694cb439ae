use mcp_runtime::prelude::*;

#[tool]
async fn progress(ctx: Ctx, steps: u32) -> String {
    let _ = ctx;
    steps.to_string()
}

fn main() {
    let _ = progress_tool::<()>();
}
