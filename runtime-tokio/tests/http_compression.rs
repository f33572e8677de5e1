//! HTTP compression of polling answers (the reference `httpCompression`,
//! threshold 1024 bytes) and the `compress` flag of emits: raw polling
//! requests, so the test sees the exact `Content-Encoding` and body.

mod raw_client;

use std::io::Read;

use raw_client::{connect_polling, request, WAIT};
use runtime_tokio::socketio::{Socket, SocketIo};
use tokio::sync::mpsc;

/// A server whose `/` namespace reports each socket, and the reports.
async fn server(
    builder: runtime_tokio::socketio::SocketIoBuilder,
) -> (std::net::SocketAddr, mpsc::UnboundedReceiver<Socket>) {
    let (sockets_tx, sockets) = mpsc::unbounded_channel();
    let (addr, io) = runtime_tokio::tokio::bind_socketio("127.0.0.1:0", builder).await.expect("bind 127.0.0.1:0");
    io.ns("/", move |socket: Socket| {
        let _ = sockets_tx.send(socket);
        async {}
    });
    (addr, sockets)
}

async fn next_socket(sockets: &mut mpsc::UnboundedReceiver<Socket>) -> Socket {
    tokio::time::timeout(WAIT, sockets.recv()).await.expect("a socket connects in time").expect("the server runs")
}

fn gunzip(body: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(body).read_to_string(&mut text).expect("a gzip body");
    text
}

fn big_text() -> String {
    "lorem ipsum ".repeat(200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_polling_answer_is_gzipped_for_a_client_that_accepts_gzip() {
    let (addr, mut sockets) = server(SocketIo::builder()).await;
    let (sid, _) = connect_polling(addr).await;
    next_socket(&mut sockets).await.emit("big", &big_text()).expect("emit");
    let query = format!("EIO=4&transport=polling&sid={sid}");
    let answer = request(addr, "GET", &query, "Accept-Encoding: gzip, deflate\r\n", "").await;
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    assert!(answer.body.len() < 1000, "{} compressed bytes", answer.body.len());
    assert_eq!(gunzip(&answer.body), format!(r#"42["big","{}"]"#, big_text()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deflate_is_the_zlib_format() {
    let (addr, mut sockets) = server(SocketIo::builder()).await;
    let (sid, _) = connect_polling(addr).await;
    next_socket(&mut sockets).await.emit("big", &big_text()).expect("emit");
    let query = format!("EIO=4&transport=polling&sid={sid}");
    let answer = request(addr, "GET", &query, "Accept-Encoding: deflate\r\n", "").await;
    assert_eq!(answer.header("content-encoding"), Some("deflate"));
    let mut text = String::new();
    flate2::read::ZlibDecoder::new(answer.body.as_slice()).read_to_string(&mut text).expect("a zlib body");
    assert_eq!(text, format!(r#"42["big","{}"]"#, big_text()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_of_packets_emitted_with_compress_false_is_sent_as_is() {
    let (addr, mut sockets) = server(SocketIo::builder()).await;
    let (sid, _) = connect_polling(addr).await;
    next_socket(&mut sockets).await.compress(false).emit("big", &big_text()).expect("emit");
    let query = format!("EIO=4&transport=polling&sid={sid}");
    let answer = request(addr, "GET", &query, "Accept-Encoding: gzip\r\n", "").await;
    assert_eq!(answer.header("content-encoding"), None);
    assert_eq!(String::from_utf8(answer.body).expect("text"), format!(r#"42["big","{}"]"#, big_text()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_answer_or_a_client_without_accept_encoding_gets_plain_text() {
    let (addr, mut sockets) = server(SocketIo::builder()).await;
    let (sid, _) = connect_polling(addr).await;
    let socket = next_socket(&mut sockets).await;
    let query = format!("EIO=4&transport=polling&sid={sid}");
    socket.emit("small", "hi").expect("emit");
    let answer = request(addr, "GET", &query, "Accept-Encoding: gzip\r\n", "").await;
    assert_eq!((answer.header("content-encoding"), answer.body.as_slice()), (None, &br#"42["small","hi"]"#[..]));
    socket.emit("big", &big_text()).expect("emit");
    let answer = request(addr, "GET", &query, "", "").await;
    assert_eq!(answer.header("content-encoding"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_compression_can_be_turned_off() {
    let (addr, mut sockets) = server(SocketIo::builder().http_compression_threshold(None)).await;
    let (sid, _) = connect_polling(addr).await;
    next_socket(&mut sockets).await.emit("big", &big_text()).expect("emit");
    let query = format!("EIO=4&transport=polling&sid={sid}");
    let answer = request(addr, "GET", &query, "Accept-Encoding: gzip\r\n", "").await;
    assert_eq!(answer.header("content-encoding"), None);
}
