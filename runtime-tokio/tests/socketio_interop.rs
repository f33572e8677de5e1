//! The Socket.IO server against the real npm `socket.io-client` (pinned in
//! `interop/package.json`; install with `npm ci --prefix interop`): what is
//! particular to this crate's server API. The interop contract itself
//! (events, acks, binary, namespaces, middleware, rooms over polling,
//! WebSocket and upgrade) is the shared scenario suite of
//! `runtime-async-std/tests/runtimes.rs`, which runs it on this tokio build
//! as on smol and async-std.

mod peers;

use std::time::Duration;

use bytes::Bytes;
use runtime_tokio::socketio::{ConnectError, Data, Handshake, Socket, SocketIo};
use serde_json::Value;
use socketio_proto::{Args, Binary};
use std::sync::Arc;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn middleware_sees_the_auth_payload_and_refuses_a_wrong_token() {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    // The client's token is "secret": a middleware wanting another refuses it.
    io.ns("/", |_socket: Socket| async {}).middleware(|handshake: Arc<Handshake>| async move {
        match handshake.auth::<Value>() {
            Some(auth) if auth["token"] == "other" => Ok(()),
            _ => Err(ConnectError::new("bad token")),
        }
    });
    io.ns("/admin", |_socket: Socket| async {});
    let url = format!("http://{addr}");
    let stdout = peers::node("socketio_client.js", &[&url, "websocket"], CLIENT_TIMEOUT).await.stdout;
    assert!(stdout.contains("connect_error on /: bad token"), "stdout: {stdout}");
}

/// `Data<T>` reads the first argument (used by the docs' example).
#[test]
fn data_reads_the_first_argument_and_ignores_the_rest() {
    use runtime_tokio::socketio::FromArgs;
    let args = Args::from_tuple(&("first", 2)).expect("serializes");
    let Data(first) = Data::<String>::from_args(args).expect("a string first");
    assert_eq!(first, "first");
}

/// `Data<Binary>` turns an attachment placeholder back into its bytes.
#[test]
fn data_reads_a_binary_first_argument() {
    use runtime_tokio::socketio::FromArgs;
    let args = Args::from_tuple(&(Binary(Bytes::from_static(&[7, 8])),)).expect("serializes");
    assert_eq!(args.attachments().len(), 1, "the bytes travel as an attachment");
    let Data(Binary(bytes)) = Data::<Binary>::from_args(args).expect("a binary first");
    assert_eq!(&bytes[..], &[7, 8]);
}

/// An event without arguments does not fit `Data<T>`: its handler is skipped.
#[test]
fn data_refuses_an_event_without_arguments() {
    use runtime_tokio::socketio::FromArgs;
    assert!(Data::<String>::from_args(Args::empty()).is_err());
}
