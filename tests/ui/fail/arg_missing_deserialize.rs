use mcp_runtime::prelude::*;
use schemars::JsonSchema;

#[derive(JsonSchema)]
struct Point {
    x: i64,
    y: i64,
}

#[tool]
async fn plot(point: Point) -> String {
    format!("{} {}", point.x, point.y)
}

fn main() {
    let _ = plot_tool::<()>();
}
