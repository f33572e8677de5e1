//! The abuse suite (issue #7), written once: hostile HTTP ([`http`]),
//! hostile packets ([`packets`]) and a client that stops reading while the
//! server broadcasts to it ([`slow_reader`]). A test crate that includes
//! this module defines `bind_server_under_test` at its root, naming the
//! server the tests attack: `abuse_tokio` here, `abuse_smol` and
//! `abuse_async_std` in runtime-async-std. The clients, raw or
//! well-behaved, run on tokio in every case.

mod http;
mod packets;
#[path = "../raw_client/mod.rs"]
mod raw_client;
mod rfc6455;
mod slow_reader;
mod support;
