use mcp_runtime::prelude::*;

#[tool]
async fn echo(message: &str) -> String {
    message.to_owned()
}

fn main() {
    let _ = echo_tool::<()>();
}
