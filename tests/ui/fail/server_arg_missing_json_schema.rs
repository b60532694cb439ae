use mcp_runtime::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Filter {
    status: String,
}

struct Tickets;

#[mcp_server]
impl Tickets {
    #[tool]
    async fn search(&self, ctx: &Ctx, #[arg(flatten)] filter: Filter) -> String {
        format!("{} {}", ctx.request_id(), filter.status)
    }
}

fn main() {
    let _ = Tickets.into_server();
}
