//! The demo: a small Socket.IO chat server on tokio.
//!
//! Every socket of `/` joins room `lobby` and is greeted with `welcome`; a
//! `say` event (with a text) is acknowledged with `"delivered"` and
//! broadcast to the lobby as `said` `{from, text}`; leaving is announced.
//! `scripts/demo.sh` runs it against two official `socket.io-client`s.
//!
//! ```sh
//! PORT=3000 cargo run -p runtime-tokio --example chat
//! ```

use runtime_tokio::socketio::{AckSender, Data, Socket, SocketIo};
use serde::Serialize;

#[derive(Serialize)]
struct Said<'a> {
    from: &'a str,
    text: &'a str,
}

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(3000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (addr, io) = runtime_tokio::tokio::bind_socketio(("127.0.0.1", port), SocketIo::builder()).await?;
        io.ns("/", |socket: Socket| async move {
            println!("{} joined", socket.id());
            socket.join("lobby");
            let _ = socket.emit("welcome", &format!("you are {}", socket.id()));
            socket.on("say", |socket: Socket, Data(text): Data<String>, ack: Option<AckSender>| async move {
                println!("{} says {text:?}", socket.id());
                let _ = socket.ns().to("lobby").emit("said", &Said { from: socket.id().as_str(), text: &text });
                if let Some(ack) = ack {
                    let _ = ack.send(&"delivered");
                }
            });
            socket.on_disconnect(|socket: Socket, reason| async move {
                println!("{} left ({})", socket.id(), reason.as_str());
                let _ = socket.to("lobby").emit("left", &socket.id().as_str());
            });
        });
        println!("chat listening on http://{addr}/socket.io/");
        std::future::pending::<std::io::Result<()>>().await
    })
}
