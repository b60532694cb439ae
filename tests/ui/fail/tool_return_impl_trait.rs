use mcp_runtime::prelude::*;

#[tool]
fn greet(name: String) -> impl ToString {
    format!("hello {name}")
}

fn main() {}
