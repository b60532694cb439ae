use mcp_runtime::prelude::*;

#[tool]
async fn whoami(ctx: &Ctx, again: &Ctx) -> String {
    format!("{} {}", ctx.request_id(), again.request_id())
}

fn main() {}
