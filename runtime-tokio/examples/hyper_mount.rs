//! Socket.IO mounted into a plain hyper server: a `service_fn` answers
//! `/hello` itself and hands every other request to [`SocketIoService`]
//! (which answers `/socket.io/` and `404`s the rest). The connection is
//! served with upgrades, so WebSocket clients work too.
//!
//! ```text
//! PORT=3000 cargo run -p runtime-tokio --example hyper_mount
//! curl http://127.0.0.1:3000/hello
//! ```

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use runtime_tokio::socketio::{AckSender, Socket, SocketIo};
use runtime_tokio::tokio::TokioRuntime;
use runtime_tokio::tower::{BoxBody, SocketIoService};
use socketio_proto::Args;
use tower_service::Service;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let runtime = TokioRuntime::current().map_err(std::io::Error::other)?;
    let io = SocketIo::builder().build(Arc::new(runtime));
    io.ns("/", |socket: Socket| async move {
        socket.on("echo", |_socket: Socket, args: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                let _ = ack.send_args(args);
            }
        });
    });
    let socketio = SocketIoService::from(&io);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("hyper on http://{}/hello, Socket.IO on /socket.io/", listener.local_addr()?);
    loop {
        let (stream, _peer) = listener.accept().await?;
        let socketio = socketio.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: hyper::Request<Incoming>| {
                let mut socketio = socketio.clone();
                async move {
                    if request.uri().path() == "/hello" {
                        let body: BoxBody =
                            Full::new(Bytes::from_static(b"hello")).map_err(|never| match never {}).boxed_unsync();
                        return Ok::<_, Infallible>(hyper::Response::new(body));
                    }
                    socketio.call(request).await
                }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades().await;
        });
    }
}
