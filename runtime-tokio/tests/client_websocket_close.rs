//! The client's end of the RFC 6455 close handshake, against a hostile
//! server written here on a raw socket: a server's Close frame is answered
//! with a Close (echoing its code) before the client hangs up.

use std::time::Duration;

use engineio_proto::TransportKind;
use runtime_tokio::client::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

const WAIT: Duration = Duration::from_secs(10);

/// Accepts one WebSocket handshake on `listener`, answers `101`, sends the
/// Engine.IO open packet; returns the connection.
async fn accept_websocket(listener: &TcpListener) -> TcpStream {
    let (mut stream, _) = timeout(WAIT, listener.accept()).await.expect("the client connects").expect("accept");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(stream.read(&mut byte).await.expect("read the request"), 1, "the request head ends");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("a text head");
    let key = head
        .lines()
        .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: ").or_else(|| line.strip_prefix("sec-websocket-key: ")))
        .expect("a WebSocket key");
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.trim().as_bytes())
    );
    stream.write_all(answer.as_bytes()).await.expect("answer 101");
    let open = br#"0{"sid":"hostile","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    let mut frame = vec![0x81, 126];
    frame.extend_from_slice(&u16::try_from(open.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(open);
    stream.write_all(&frame).await.expect("send the open packet");
    stream
}

/// Reads client frames until a Close; returns its payload, unmasked, or
/// `None` if the connection ends first.
async fn next_close(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buffered = Vec::new();
    loop {
        if buffered.len() >= 6 {
            let length = usize::from(buffered[1] & 0x7F);
            assert!(length < 126, "a short client frame");
            if buffered.len() >= 6 + length {
                let mask = [buffered[2], buffered[3], buffered[4], buffered[5]];
                let payload: Vec<u8> =
                    buffered[6..6 + length].iter().enumerate().map(|(index, byte)| byte ^ mask[index % 4]).collect();
                let opcode = buffered[0] & 0x0F;
                buffered.drain(..6 + length);
                if opcode == 0x8 {
                    return Some(payload);
                }
                continue;
            }
        }
        let mut chunk = [0u8; 1024];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => buffered.extend_from_slice(&chunk[..read]),
        }
    }
}

#[tokio::test]
async fn a_close_from_the_server_is_answered_with_a_close_echoing_its_code() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let client =
        Client::builder(&url).transports(&[TransportKind::WebSocket]).reconnection(false).build().expect("client");
    let socket = client.socket("/");
    let connecting = tokio::spawn(async move { socket.connect().await });
    let mut stream = accept_websocket(&listener).await;
    // `88 02 03 E8`: Close 1000, unmasked as a server's frames are.
    stream.write_all(&[0x88, 0x02, 0x03, 0xE8]).await.expect("send the close");
    let answer = timeout(WAIT, next_close(&mut stream)).await.expect("the client answers in time");
    assert_eq!(answer, Some(vec![0x03, 0xE8]), "the client's Close echoes 1000");
    connecting.abort();
    client.close();
}
