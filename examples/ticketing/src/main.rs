//! ticketing over stdio: `TICKETING_DB=tickets.sqlite3 cargo run -p ticketing`.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    mcp_runtime::logging::init_stderr();
    let db = ticketing::Db::open(ticketing::db_path())?;
    ticketing::server(db)?.serve_stdio().await?;
    Ok(())
}
