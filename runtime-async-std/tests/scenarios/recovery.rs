//! Connection state recovery on runtime `R` against the npm
//! `socket.io-client` with its own recovery on
//! (`interop/socketio_api_client.js recovery`): the client drops its
//! Engine.IO connection on the first `hello` ("transport close", a
//! recoverable reason) and reconnects; meanwhile the server broadcasts
//! `missed` 0, 1, 2 to the room `news` the socket had joined.

use runtime_async_std::socketio::{AckSender, DisconnectReason, RecoveryConfig, Socket, SocketIo};
use runtime_async_std::socketio_proto::Args;
use serde_json::json;

use super::{peers, RuntimeUnderTest};

/// Starts the recovering server of the module docs on `R`; its URL.
async fn start_recovering_server<R: RuntimeUnderTest>() -> String {
    let builder = SocketIo::builder().connection_state_recovery(RecoveryConfig::default());
    let (addr, io) = R::bind_socketio(builder).await.expect("bind 127.0.0.1:0");
    io.ns("/", |socket: Socket| async move {
        socket.on("state", |socket: Socket, _: Args, ack: Option<AckSender>| async move {
            if let Some(ack) = ack {
                let state =
                    json!({ "recovered": socket.recovered(), "inNews": socket.rooms().contains(&"news".to_owned()) });
                ack.send(&state).expect("the connection is open");
            }
        });
        if socket.recovered() {
            return;
        }
        socket.join("news");
        socket.on_disconnect(|socket: Socket, reason| async move {
            if reason == DisconnectReason::TransportClose {
                for value in 0..3 {
                    socket.ns().to("news").emit("missed", &value).expect("numbers serialize");
                }
            }
        });
        socket.emit("hello", "first").expect("the connection is open");
    });
    format!("http://{addr}")
}

/// A client that lost its connection gets its socket back (same id, still
/// in its room) and the events broadcast while it was away, in order.
pub async fn recovering_client_gets_its_socket_and_the_missed_events_back<R: RuntimeUnderTest>(mode: &str) {
    assert_eq!(mode, "websocket", "the recovery client runs over WebSocket");
    peers::require_npm("socket.io-client");
    let url = start_recovering_server::<R>().await;
    let report = peers::node("socketio_api_client.js", &[&url, "recovery"], super::WAIT).await.ok_report();
    assert_eq!(report["missed"], json!([0, 1, 2]), "the broadcasts made while away, in order: {report}");
    assert_eq!(report["recovered"], true, "the client sees `recovered`: {report}");
    assert_eq!(report["secondId"], report["firstId"], "the socket keeps its id: {report}");
    assert_eq!(report["state"], json!({ "recovered": true, "inNews": true }), "the server side recovered: {report}");
}
