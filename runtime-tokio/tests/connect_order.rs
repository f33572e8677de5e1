//! A client that has heard its CONNECT reply finds the synchronous part of
//! the server's `on_connection` handler done (its `join`s), as with the
//! reference, which runs the handler in the tick that writes CONNECT: a
//! broadcast to the joined room made the instant the client sees CONNECT
//! reaches it. (Without this, a broadcast could slip between the CONNECT
//! reply and the join, and the new socket would miss it.)

mod raw_client;

use raw_client::{connect, connect_polling, next_text, request, WAIT};
use runtime_tokio::socketio::{Socket, SocketIo};

/// How many fresh clients each test tries: the gap, when there is one, is
/// a race, so one try could pass by luck.
const CLIENTS: usize = 30;

/// A server whose `/` handler joins room "room" at once, then awaits.
async fn server() -> (std::net::SocketAddr, SocketIo) {
    let (addr, io) =
        runtime_tokio::tokio::bind_socketio("127.0.0.1:0", SocketIo::builder()).await.expect("bind 127.0.0.1:0");
    io.ns("/", |socket: Socket| async move {
        socket.join("room");
        tokio::task::yield_now().await;
    });
    (addr, io)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_made_as_soon_as_a_websocket_client_sees_connect_reaches_it() {
    let (addr, io) = server().await;
    for index in 0..CLIENTS {
        let (mut ws, _) = connect(addr).await;
        io.to("room").emit("hello", &index).expect("broadcast");
        let frame = next_text(&mut ws).await;
        assert_eq!(frame, format!(r#"42["hello",{index}]"#), "client {index}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_made_as_soon_as_a_polling_client_sees_connect_reaches_it() {
    let (addr, io) = server().await;
    for index in 0..CLIENTS {
        let (sid, _) = connect_polling(addr).await;
        io.to("room").emit("hello", &index).expect("broadcast");
        let query = format!("EIO=4&transport=polling&sid={sid}");
        let answer = tokio::time::timeout(WAIT, request(addr, "GET", &query, "", "")).await.expect("an answer");
        assert_eq!(String::from_utf8(answer.body).expect("text"), format!(r#"42["hello",{index}]"#), "client {index}");
    }
}
