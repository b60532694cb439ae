//! ticketing: Streamable HTTP on 127.0.0.1:8080/mcp by default (`--http [ADDR]`), or `--stdio`.
//! Tickets live in `TICKETING_DB` (default `ticketing.sqlite3`), created on first run, through
//! `TICKETING_POOL_SIZE` connections (default 4).

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    mcp_runtime::logging::init_stderr();
    // Every configuration problem is reported before the database is touched or a port bound.
    let settings = ticketing::Settings::from_env()?;
    let db = ticketing::Db::open_with(&settings.db_path, settings.pool_size)?;
    settings.transport.serve(ticketing::server(db)?).await?;
    Ok(())
}
