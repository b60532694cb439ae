use mcp_runtime::prelude::*;

struct Store<T>(T);

#[mcp_server]
impl<T: Send + Sync + 'static> Store<T> {
    #[tool]
    fn size(&self) -> usize {
        std::mem::size_of::<T>()
    }
}

fn main() {}
