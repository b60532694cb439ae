//! Transports: they move frames between a client and a [`Session`](crate::server::Session).

pub mod stdio;
