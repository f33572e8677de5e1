//! Per-connection ordering under load: the server alternates direct emits
//! (`socket.emit`) and room broadcasts (`io.to(room)`, `socket.ns().to(room)`)
//! to one real npm `socket.io-client`, which checks that the `seq` numbers
//! arrive exactly in the order they were emitted (the `order` scenario of
//! `interop/socketio_more_client.js`).

mod socketio_more_support;

use runtime_tokio::socketio::{Socket, SocketIo};

use socketio_more_support::run_client;

const MESSAGES: u32 = 1000;

/// Emits `seq` 0..MESSAGES to the connecting socket, each kind of emit in
/// turn, yielding every few messages so the other tasks (the session task
/// writing, the client polling) interleave with the emits.
async fn order_scenario(mode: &'static str) {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    let server = io.clone();
    io.ns("/", move |socket: Socket| {
        let server = server.clone();
        async move {
            socket.join("room");
            tokio::spawn(async move {
                for seq in 0..MESSAGES {
                    match seq % 3 {
                        0 => socket.emit("seq", &seq).expect("the connection is open"),
                        1 => server.to("room").emit("seq", &seq).expect("numbers serialize"),
                        _ => socket.ns().to("room").emit("seq", &seq).expect("numbers serialize"),
                    }
                    if seq % 7 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            });
        }
    });
    let report = run_client(&format!("http://{addr}"), "order", mode, &[&MESSAGES.to_string()]).await;
    assert_eq!(report["received"], MESSAGES, "{report}");
    assert_eq!(report["firstOutOfOrder"], serde_json::Value::Null, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_emits_and_room_broadcasts_arrive_in_emit_order_over_polling() {
    order_scenario("polling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_emits_and_room_broadcasts_arrive_in_emit_order_over_websocket() {
    order_scenario("websocket").await;
}
