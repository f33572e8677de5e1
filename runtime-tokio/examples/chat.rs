//! The demo: a small chat in the browser, served by a Socket.IO server on
//! tokio. One port carries both an axum app and the Socket.IO server (mounted
//! with [`SocketIoLayer`]):
//!
//! - `/` is the chat page (`examples/chat/index.html`): a name, a message
//!   box, the messages. `/?transport=polling` (or `websocket`) pins the
//!   page's client to that one transport; by default it starts on
//!   long-polling and upgrades to WebSocket.
//! - `/vendor/socket.io.min.js` is the official browser client, read at
//!   start from the npm package (`npm ci --prefix interop` installs it).
//! - `/socket.io/` is the Socket.IO server. Every socket of `/` joins room
//!   `lobby`, is greeted with `welcome` and gets the `history` (the last
//!   [`HISTORY_LEN`] messages); `say` `{name, text}` is acknowledged with
//!   `"delivered"` and broadcast to the lobby (sender included) as `said`
//!   `{id, from, name, text}`; a departure is announced as `left`.
//!
//! `scripts/demo.sh` builds and runs it; `tests/browser_chat.rs` chats
//! through it from headless Chromium.
//!
//! ```sh
//! PORT=3000 cargo run -p runtime-tokio --example chat    # then open http://127.0.0.1:3000/
//! ```

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::header;
use axum::response::Html;
use axum::routing::get;
use runtime_tokio::socketio::{AckSender, Data, Socket, SocketIo};
use runtime_tokio::tokio::TokioRuntime;
use runtime_tokio::tower::SocketIoLayer;
use serde::{Deserialize, Serialize};

/// The port used when `PORT` is not set.
const DEFAULT_PORT: u16 = 3000;

/// How many recent messages a newcomer receives.
pub const HISTORY_LEN: usize = 50;

/// Longest name and text kept from a `say` (in characters).
const MAX_NAME_CHARS: usize = 40;
const MAX_TEXT_CHARS: usize = 500;

/// The chat page.
const PAGE: &str = include_str!("chat/index.html");

/// Where the page loads the browser client from (its `<script src>`).
pub const CLIENT_JS_ROUTE: &str = "/vendor/socket.io.min.js";

/// The official browser client's bundle in the npm package.
pub fn client_js_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/node_modules/socket.io-client/dist/socket.io.min.js")
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(DEFAULT_PORT);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("chat listening on http://{}/ (open it in a browser)", listener.local_addr()?);
    serve(listener).await
}

/// What a client says: `say` `{name, text}`.
#[derive(Deserialize)]
struct Say {
    name: String,
    text: String,
}

/// A message as the lobby receives it (`said`, and in `history`).
#[derive(Serialize, Clone)]
struct Said {
    /// Unique for this server's lifetime and across restarts (it starts with the sender's socket id).
    id: String,
    /// The sender's socket id.
    from: String,
    name: String,
    text: String,
}

/// The chat's state: the last messages, and a counter numbering them.
#[derive(Default)]
struct Lobby {
    history: Mutex<VecDeque<Said>>,
    sent: AtomicU64,
}

impl Lobby {
    /// Records a message from `socket` and returns it as it is broadcast.
    fn record(&self, socket: &Socket, say: Say) -> Said {
        let number = self.sent.fetch_add(1, Ordering::Relaxed);
        let said = Said {
            id: format!("{}-{number}", socket.id()),
            from: socket.id().to_string(),
            name: shorten(say.name.trim(), MAX_NAME_CHARS, "anonymous"),
            text: shorten(say.text.trim(), MAX_TEXT_CHARS, ""),
        };
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        if history.len() == HISTORY_LEN {
            history.pop_front();
        }
        history.push_back(said.clone());
        said
    }

    /// The recent messages, oldest first.
    fn recent(&self) -> Vec<Said> {
        self.history.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }
}

/// `text` cut to `max` characters, or `empty` when it is empty.
fn shorten(text: &str, max: usize, empty: &str) -> String {
    let cut: String = text.chars().take(max).collect();
    if cut.is_empty() {
        empty.to_owned()
    } else {
        cut
    }
}

/// Serves the chat (page, browser client, Socket.IO) on `listener` until
/// the process ends. Fails at once when the browser client is not installed.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let client_js = std::fs::read(client_js_path()).map_err(|error| {
        std::io::Error::new(
            error.kind(),
            format!("{}: {error} (install it with `npm ci --prefix interop`)", client_js_path().display()),
        )
    })?;
    let runtime = TokioRuntime::current().map_err(std::io::Error::other)?;
    let io = SocketIo::builder().build(Arc::new(runtime));
    let lobby = Arc::new(Lobby::default());
    io.ns("/", move |socket: Socket| {
        let lobby = Arc::clone(&lobby);
        async move { on_connection(socket, lobby) }
    });
    let app = axum::Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            CLIENT_JS_ROUTE,
            get(move || {
                let client_js = client_js.clone();
                async move { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], client_js) }
            }),
        )
        .layer(SocketIoLayer::from(&io));
    axum::serve(listener, app).await
}

/// A socket joined `/`: greet it, hand it the history, listen to it.
fn on_connection(socket: Socket, lobby: Arc<Lobby>) {
    println!("{} joined", socket.id());
    socket.join("lobby");
    let _ = socket.emit("welcome", &format!("you are {}", socket.id()));
    let _ = socket.emit("history", &lobby.recent());
    socket.on("say", move |socket: Socket, Data(say): Data<Say>, ack: Option<AckSender>| {
        let said = lobby.record(&socket, say);
        async move {
            println!("{} ({}) says {:?}", said.name, socket.id(), said.text);
            let _ = socket.ns().to("lobby").emit("said", &said);
            if let Some(ack) = ack {
                let _ = ack.send(&"delivered");
            }
        }
    });
    socket.on_disconnect(|socket: Socket, reason| async move {
        println!("{} left ({})", socket.id(), reason.as_str());
        let _ = socket.to("lobby").emit("left", &socket.id().as_str());
    });
}
