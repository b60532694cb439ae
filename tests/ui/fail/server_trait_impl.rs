use mcp_runtime::prelude::*;

struct Greeter;

trait Greet {
    fn greet(&self) -> String;
}

#[mcp_server]
impl Greet for Greeter {
    fn greet(&self) -> String {
        String::new()
    }
}

fn main() {}
