use mcp_runtime::prelude::*;

struct Files;

#[mcp_server]
impl Files {
    #[resource(uri = "file:///{dir}/{name}")]
    async fn file(&self, name: String, size: u64) -> String {
        format!("{name} {size}")
    }
}

fn main() {}
