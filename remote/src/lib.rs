//! `procreg-remote`: the `ProcessRegistry` contract over a byte stream.
//!
//! One framed request/response protocol (`docs/protocol.md`): a 4-byte
//! big-endian length, then a JSON body. [`serve_connection`] answers it for
//! any registry on any stream; [`RemoteRegistry`] implements the trait on
//! top of it, with every call bounded by a timeout. The simulation runs it
//! over a simulated network, `procreg serve` and `procreg check --backend
//! tcp://` over real TCP, and a registry written in another language can be
//! checked by speaking it.

mod client;
mod dispatch;
pub mod frame;
mod known_records;
mod namespaces;
mod pipe;
pub mod protocol;
mod registries;
mod reply_budget;
mod reply_reader;
mod request_id;
mod server;
mod tcp;

pub use client::{Connector, RemoteOptions, RemoteRegistry, Session};
pub use dispatch::{dispatch, RawResult};
pub use known_records::{MAX_KNOWN_REGISTRATIONS, MAX_NUMBERED_PARTS};
pub use namespaces::RemoteNamespaces;
pub use pipe::PipeConnector;
pub use protocol::{
    Call, Hello, Outcome, ReplyFrame, RequestFrame, DEFAULT_NAMESPACE, PROTOCOL_VERSION,
};
pub use registries::{OneStore, Registries, Served, SingleRegistry};
pub use reply_budget::{MAX_LOG_BYTES, MAX_REPLY_BYTES};
pub use server::{serve_connection, serve_connection_with, ConnectionEnd, ServeOptions};
pub use tcp::{serve_tcp, serve_tcp_with, TcpConnector, TcpServeOptions, LOG_LINES_PER_SECOND};
