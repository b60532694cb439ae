use mcp_runtime::prelude::*;

#[tool]
fn whoami(#[arg(description = "The call context.")] ctx: &Ctx) -> String {
    ctx.request_id().to_string()
}

fn main() {}
