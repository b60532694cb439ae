//! An `#[mcp_server]` impl: `&Ctx`, annotations, `Json<T>` output, a method that is not a tool.

use mcp_runtime::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

struct Stats {
    scale: f64,
}

#[derive(Serialize, JsonSchema)]
struct Summary {
    count: u32,
    mean: f64,
}

#[mcp_server(
    name = "stats",
    version = "1.2.3",
    instructions = "Summarises numbers."
)]
impl Stats {
    /// Summarises a list of numbers.
    #[tool(read_only, idempotent, open_world = false)]
    async fn summarise(&self, ctx: &Ctx, values: Vec<f64>) -> Json<Summary> {
        let _ = ctx.is_cancelled();
        let count = values.len() as u32;
        let mean = values.iter().sum::<f64>() / f64::from(count.max(1)) * self.scale;
        Json(Summary { count, mean })
    }

    /// Forgets everything.
    #[tool(destructive)]
    fn reset(&self) -> Result<(), ToolError> {
        Ok(())
    }

    fn helper(&self) -> f64 {
        self.scale
    }
}

fn main() {
    let stats = Stats { scale: 1.0 };
    assert_eq!(stats.helper(), 1.0);
    let server = stats.into_server().unwrap();
    assert_eq!(server.info().name, "stats");
    assert_eq!(server.info().version, "1.2.3");

    let tools: Vec<_> = server.tools();
    assert_eq!(tools.len(), 2);
    let summarise = &tools[0];
    assert_eq!(summarise.name, "summarise");
    // The context is not an argument.
    assert_eq!(summarise.input_schema["required"], json!(["values"]));
    assert!(summarise.input_schema["properties"].get("ctx").is_none());
    assert_eq!(summarise.annotations.read_only, Some(true));
    assert_eq!(summarise.annotations.idempotent, Some(true));
    assert_eq!(summarise.annotations.open_world, Some(false));
    assert_eq!(summarise.annotations.destructive, None);
    let output = summarise
        .output_schema
        .as_ref()
        .expect("Json<T> has an output schema");
    assert_eq!(output["type"], "object");
    assert!(output["properties"].get("mean").is_some());

    let reset = &tools[1];
    assert_eq!(reset.name, "reset");
    assert_eq!(reset.annotations.read_only, None);
    assert_eq!(reset.annotations.destructive, Some(true));
    assert!(reset.output_schema.is_none());
    assert!(reset.input_schema.get("required").is_none());
}
