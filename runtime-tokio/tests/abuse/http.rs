//! Hostile HTTP against the Socket.IO server under test (issue #7): bodies over
//! the limit, sids that name no session (unknown, stale, forged, another
//! transport's), concurrent polls, POSTs during an upgrade, upgrades that
//! never complete, a flood of handshakes that never join a namespace,
//! slowloris heads, request heads over the header size limit and random
//! bytes. Each test asserts the exact answer
//! and that a well-behaved client ([`Bystander`](super::support::Bystander)) keeps
//! making emit/ack round trips meanwhile. Raw HTTP/1.1 and WebSocket
//! clients are written in `support`, so the bytes are the test's.

use std::time::{Duration, Instant};

use super::support::{
    get, http, polling_handshake, polling_socket, post, sid_of, start, Bystander, HttpAnswer, RawWebSocket, Received,
    CLOSE, PATH, TEXT, WAIT,
};
use runtime_tokio::socketio::SocketIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const UNKNOWN_SID: &str = r#"{"code":1,"message":"Session ID unknown"}"#;
const BAD_REQUEST: &str = r#"{"code":3,"message":"Bad request"}"#;

fn polling(sid: &str) -> String {
    format!("EIO=4&transport=polling&sid={sid}")
}

// --- maxHttpBufferSize ---

#[tokio::test]
async fn post_over_max_http_buffer_size_gets_413_and_closes_the_session() {
    let server = start(SocketIo::builder().max_http_buffer_size(1_000)).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = polling_socket(server.addr).await;
    server.wait_for_sessions(2).await;

    let body = format!("42[\"echo\",\"{}\"]", "x".repeat(1_000));
    let answer = post(server.addr, &polling(&sid), body.as_bytes()).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.body, "");

    // The session is gone: its sid is unknown, only the bystander's is left.
    let after = get(server.addr, &polling(&sid)).await;
    assert_eq!((after.status, after.body.as_str()), (400, UNKNOWN_SID));
    server.wait_for_sessions(1).await;
    bystander.finish().await;
}

#[tokio::test]
async fn post_at_max_http_buffer_size_is_accepted() {
    let server = start(SocketIo::builder().max_http_buffer_size(1_000)).await;
    let sid = polling_socket(server.addr).await;
    let head = "421[\"echo\",\"";
    let body = format!("{head}{}\"]", "y".repeat(1_000 - head.len() - 2));
    assert_eq!(body.len(), 1_000);
    let answer = post(server.addr, &polling(&sid), body.as_bytes()).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    let ack = get(server.addr, &polling(&sid)).await;
    assert_eq!(ack.body, format!("431[\"{}\"]", "y".repeat(1_000 - head.len() - 2)));
}

// --- sids that name no session ---

#[tokio::test]
async fn unknown_sid_gets_the_reference_400_on_every_method_and_transport() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let get_answer = get(server.addr, &polling("AAAAAAAAAAAAAAAAAAAA")).await;
    assert_eq!((get_answer.status, get_answer.body.as_str()), (400, UNKNOWN_SID));
    let post_answer = post(server.addr, &polling("AAAAAAAAAAAAAAAAAAAA"), b"40").await;
    assert_eq!((post_answer.status, post_answer.body.as_str()), (400, UNKNOWN_SID));
    let (_, head) = RawWebSocket::try_open(server.addr, "EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA").await;
    assert!(head.starts_with("http/1.1 400"), "{head}");
    assert_eq!(server.sessions(), 1, "no session was made for an unknown sid");
    bystander.finish().await;
}

#[tokio::test]
async fn stale_sid_of_a_closed_session_gets_the_reference_400() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = polling_socket(server.addr).await;
    // The client closes its session (an Engine.IO close packet).
    assert_eq!(post(server.addr, &polling(&sid), b"1").await.body, "ok");
    server.wait_for_sessions(1).await;
    for _ in 0..3 {
        let answer = get(server.addr, &polling(&sid)).await;
        assert_eq!((answer.status, answer.body.as_str()), (400, UNKNOWN_SID));
        let answer = post(server.addr, &polling(&sid), b"42[\"echo\"]").await;
        assert_eq!((answer.status, answer.body.as_str()), (400, UNKNOWN_SID));
    }
    bystander.finish().await;
}

#[tokio::test]
async fn forged_sids_get_the_reference_400() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let real = polling_socket(server.addr).await;
    let long = "A".repeat(4_000);
    let forged = [
        &real[..real.len() - 1],     // a prefix of a live sid
        &format!("{real}A") as &str, // a live sid with one more character
        &real.to_ascii_lowercase(),  // another case
        "%00%FF%C3%28",              // escaped bytes, invalid UTF-8 among them
        &long,                       // far longer than any sid
        "..%2F..%2Fetc%2Fpasswd",    // a path
    ];
    for sid in forged {
        if sid == real {
            continue;
        }
        let answer = get(server.addr, &polling(sid)).await;
        assert_eq!(answer.status, 400, "GET sid={sid:?}: {answer:?}");
        assert!(
            answer.body == UNKNOWN_SID || answer.body == r#"{"code":2,"message":"Bad handshake method"}"#,
            "GET sid={sid:?}: {answer:?}"
        );
    }
    // An empty sid is no sid: a handshake, as in the reference.
    let empty = get(server.addr, &polling("")).await;
    assert!(empty.body.starts_with("0{\"sid\":"), "{empty:?}");
    // The real session was not disturbed.
    let answer = post(server.addr, &polling(&real), b"421[\"echo\",\"still mine\"]").await;
    assert_eq!(answer.body, "ok");
    assert_eq!(get(server.addr, &polling(&real)).await.body, r#"431["still mine"]"#);
    bystander.finish().await;
}

#[tokio::test]
async fn sid_of_a_websocket_session_is_refused_on_polling() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let mut websocket = RawWebSocket::open(server.addr, "EIO=4&transport=websocket").await;
    let sid = super::support::sid_of(&websocket.receive_text().await);
    let answer = get(server.addr, &polling(&sid)).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST));
    let answer = post(server.addr, &polling(&sid), b"40").await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST));
    // The WebSocket session goes on.
    websocket.send_text("40").await;
    assert!(websocket.receive_text().await.starts_with("40{\"sid\":"));
    websocket.send_text("421[\"echo\",\"ws\"]").await;
    assert_eq!(websocket.receive_text().await, r#"431["ws"]"#);
    bystander.finish().await;
}

// --- polling misuse ---

#[tokio::test]
async fn second_concurrent_polling_get_gets_400_and_closes_the_session() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = polling_socket(server.addr).await;
    // Two GETs at once: whichever the server takes second is refused, and
    // the one it parked first gets the close packet.
    let (addr, query) = (server.addr, polling(&sid));
    let first = tokio::spawn(async move { get(addr, &query).await });
    let second = get(server.addr, &polling(&sid)).await;
    let first = timeout(WAIT, first).await.expect("the parked GET is answered").expect("no panic");
    let mut answers = [(first.status, first.body), (second.status, second.body)];
    answers.sort();
    assert_eq!(answers, [(200, "1".to_owned()), (400, String::new())]);
    server.wait_for_sessions(1).await;
    assert_eq!(get(server.addr, &polling(&sid)).await.body, UNKNOWN_SID);
    bystander.finish().await;
}

// --- upgrades ---

#[tokio::test]
async fn post_during_an_upgrade_is_served_on_polling() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = polling_socket(server.addr).await;
    let mut websocket = RawWebSocket::open(server.addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    websocket.send_text("2probe").await;
    assert_eq!(websocket.receive_text().await, "3probe");

    // Probed, not upgraded: polling still carries the session.
    let answer = post(server.addr, &polling(&sid), b"421[\"echo\",\"during the upgrade\"]").await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    let answer = get(server.addr, &polling(&sid)).await;
    assert_eq!(answer.body, r#"431["during the upgrade"]"#);

    // The upgrade completes: polling is over, the WebSocket carries on.
    websocket.send_text("5").await;
    websocket.send_text("422[\"echo\",\"upgraded\"]").await;
    assert_eq!(websocket.receive_text().await, r#"432["upgraded"]"#);
    let answer = post(server.addr, &polling(&sid), b"421[\"echo\",\"late\"]").await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST));
    bystander.finish().await;
}

#[tokio::test]
async fn upgrade_that_never_completes_is_dropped_after_upgrade_timeout() {
    let server = start(SocketIo::builder().upgrade_timeout(Duration::from_millis(500))).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = polling_socket(server.addr).await;
    server.wait_for_sessions(2).await;

    // Probed, then silence: no `5`.
    let started = Instant::now();
    let mut websocket = RawWebSocket::open(server.addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    websocket.send_text("2probe").await;
    assert_eq!(websocket.receive_text().await, "3probe");
    let frames = websocket.until_closed().await;
    assert!(started.elapsed() >= Duration::from_millis(450), "closed after {:?}", started.elapsed());
    assert!(frames.iter().all(|(opcode, _)| *opcode == CLOSE), "only a close frame: {frames:?}");

    // The session stays on polling, and a new upgrade may start.
    assert_eq!(server.sessions(), 2);
    let answer = post(server.addr, &polling(&sid), b"421[\"echo\",\"polling again\"]").await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    assert_eq!(get(server.addr, &polling(&sid)).await.body, r#"431["polling again"]"#);
    let mut retry = RawWebSocket::open(server.addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    retry.send_text("2probe").await;
    assert_eq!(retry.receive_text().await, "3probe");
    retry.send_text("5").await;
    retry.send_text("422[\"echo\",\"upgraded at last\"]").await;
    assert_eq!(retry.receive_text().await, r#"432["upgraded at last"]"#);
    bystander.finish().await;
}

#[tokio::test]
async fn upgrade_without_even_a_probe_is_dropped_after_upgrade_timeout() {
    let server = start(SocketIo::builder().upgrade_timeout(Duration::from_millis(500))).await;
    let sid = polling_socket(server.addr).await;
    let mut websocket = RawWebSocket::open(server.addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    let frames = websocket.until_closed().await;
    assert!(frames.iter().all(|(opcode, _)| *opcode == CLOSE), "only a close frame: {frames:?}");
    let answer = post(server.addr, &polling(&sid), b"421[\"echo\",\"still polling\"]").await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    assert_eq!(get(server.addr, &polling(&sid)).await.body, r#"431["still polling"]"#);
}

/// A polling session upgraded to a WebSocket that joined `/`: the sid and
/// the WebSocket (probed, `5`, and an echo round trip on it, so the server
/// has completed the upgrade).
async fn upgraded_socket(addr: std::net::SocketAddr) -> (String, RawWebSocket) {
    let sid = polling_socket(addr).await;
    let mut websocket = RawWebSocket::open(addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    websocket.send_text("2probe").await;
    assert_eq!(websocket.receive_text().await, "3probe");
    websocket.send_text("5").await;
    websocket.send_text("421[\"echo\",\"upgraded\"]").await;
    assert_eq!(websocket.receive_text().await, r#"431["upgraded"]"#);
    (sid, websocket)
}

/// As the reference (engine.io 6): a second WebSocket for an upgraded
/// session gets `101` and at once a Close frame without a status code
/// (`88 00`); the first WebSocket goes on.
#[tokio::test]
async fn second_websocket_of_an_upgraded_session_is_opened_then_closed_without_a_status_code() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let (sid, mut first) = upgraded_socket(server.addr).await;

    let (mut second, head) = RawWebSocket::try_open(server.addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert_eq!(second.receive().await, Received::Frame(CLOSE, Vec::new()), "a Close frame without a status code");
    second.send_frame(CLOSE, &[]).await;
    assert_eq!(second.until_closed().await, [], "nothing after the Close frame but the hang-up");

    first.send_text("422[\"echo\",\"still the first\"]").await;
    assert_eq!(first.receive_text().await, r#"432["still the first"]"#);
    assert_eq!(server.sessions(), 2, "the session and the bystander's");
    bystander.finish().await;
}

/// A second WebSocket while the first one probes (after `2probe`, before
/// `5`) is closed the same way, and the upgrade still completes.
#[tokio::test]
async fn second_websocket_during_an_upgrade_is_opened_then_closed_and_the_upgrade_completes() {
    let server = start(SocketIo::builder()).await;
    let sid = polling_socket(server.addr).await;
    let query = format!("EIO=4&transport=websocket&sid={sid}");
    let mut first = RawWebSocket::open(server.addr, &query).await;
    first.send_text("2probe").await;
    assert_eq!(first.receive_text().await, "3probe");

    let (mut second, head) = RawWebSocket::try_open(server.addr, &query).await;
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert_eq!(second.receive().await, Received::Frame(CLOSE, Vec::new()));

    first.send_text("5").await;
    first.send_text("421[\"echo\",\"upgraded\"]").await;
    assert_eq!(first.receive_text().await, r#"431["upgraded"]"#);
}

// --- protocol revisions ---

/// The body of the reference's refusal of a WebSocket upgrade request (code 3).
const BAD_REQUEST_TEXT: &str = "Bad request";

/// One v3 polling record: `<length>:<packet>` (ASCII, so bytes are UTF-16 units).
fn v3_record(packet: &str) -> String {
    format!("{}:{packet}", packet.len())
}

/// A v3 (Socket.IO v2) polling session that joined `/` (the v3 server joins
/// it at once: its next GET gets `2:40`): its sid.
async fn v3_polling_socket(addr: std::net::SocketAddr) -> String {
    let answer = get(addr, "EIO=3&transport=polling").await;
    let (_length, open) = answer.body.split_once(':').expect("a v3 payload");
    let sid = sid_of(open);
    assert_eq!(get(addr, &format!("EIO=3&transport=polling&sid={sid}")).await.body, "2:40");
    sid
}

/// As the reference (engine.io 6 `verify()`): `GET /socket.io/?EIO=4&transport=websocket&sid=<v3 sid>`
/// with `Upgrade: websocket`, `Connection: Upgrade`, `Sec-WebSocket-Key:
/// dGhlIHNhbXBsZSBub25jZQ==`, `Sec-WebSocket-Version: 13` gets `400` with
/// `Content-Type: text/html` and the body `Bad request`, and the v3 session
/// goes on (on polling, and upgrading with `EIO=3`).
#[tokio::test]
async fn websocket_naming_eio_4_for_a_v3_session_gets_400_bad_request_and_the_session_goes_on() {
    let server = start(SocketIo::builder().allow_eio3(true)).await;
    let bystander = Bystander::start(&server.url()).await;
    let sid = v3_polling_socket(server.addr).await;

    let answer = RawWebSocket::refusal(server.addr, &format!("EIO=4&transport=websocket&sid={sid}")).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST_TEXT), "{answer:?}");
    assert!(answer.head.contains("content-type: text/html"), "{answer:?}");

    let v3 = format!("EIO=3&transport=polling&sid={sid}");
    let answer = post(server.addr, &v3, v3_record("421[\"echo\",\"still\"]").as_bytes()).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    assert_eq!(get(server.addr, &v3).await.body, v3_record(r#"431["still"]"#));
    let mut websocket = RawWebSocket::open(server.addr, &format!("EIO=3&transport=websocket&sid={sid}")).await;
    websocket.send_text("2probe").await;
    assert_eq!(websocket.receive().await, Received::Frame(TEXT, b"3probe".to_vec()));
    websocket.send_text("5").await;
    websocket.send_text("422[\"echo\",\"upgraded\"]").await;
    assert_eq!(websocket.receive().await, Received::Frame(TEXT, br#"432["upgraded"]"#.to_vec()));
    bystander.finish().await;
}

/// The same the other way: `EIO=3` on the WebSocket of a v4 session is
/// refused with `400` `Bad request` (with EIO v3 allowed or not), and the
/// v4 session goes on.
#[tokio::test]
async fn websocket_naming_eio_3_for_a_v4_session_gets_400_bad_request_and_the_session_goes_on() {
    let server = start(SocketIo::builder().allow_eio3(true)).await;
    let sid = polling_socket(server.addr).await;
    let answer = RawWebSocket::refusal(server.addr, &format!("EIO=3&transport=websocket&sid={sid}")).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST_TEXT), "{answer:?}");
    let answer = RawWebSocket::refusal(server.addr, &format!("transport=websocket&sid={sid}")).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST_TEXT), "no EIO is v3: {answer:?}");
    let answer = post(server.addr, &polling(&sid), b"421[\"echo\",\"still v4\"]").await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    assert_eq!(get(server.addr, &polling(&sid)).await.body, r#"431["still v4"]"#);
}

/// Polling requests naming another `EIO` than their session's get the
/// reference's `400 {"code":3,"message":"Bad request"}`; the session goes on.
#[tokio::test]
async fn polling_requests_naming_another_eio_get_400_bad_request_and_the_session_goes_on() {
    let server = start(SocketIo::builder().allow_eio3(true)).await;
    let sid = polling_socket(server.addr).await;
    let v3 = format!("EIO=3&transport=polling&sid={sid}");
    let answer = get(server.addr, &v3).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST));
    let answer = post(server.addr, &v3, v3_record("421[\"echo\",\"wrong\"]").as_bytes()).await;
    assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST));
    let answer = post(server.addr, &polling(&sid), b"421[\"echo\",\"right\"]").await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    assert_eq!(get(server.addr, &polling(&sid)).await.body, r#"431["right"]"#);
}

// --- handshake flood ---

/// Polling handshakes made in the flood (each on its own connection).
const FLOOD_HANDSHAKES: usize = 10_000;
/// WebSocket connections held open in the flood: well within the 1024
/// descriptors a default `ulimit -n` allows (two per connection in this
/// process, one on each side).
const FLOOD_WEBSOCKETS: usize = 300;
/// Connections in flight at once while flooding.
const FLOOD_CONCURRENCY: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_flood_that_never_joins_a_namespace_is_closed_after_connect_timeout() {
    let connect_timeout = Duration::from_secs(3);
    let server = start(SocketIo::builder().connect_timeout(connect_timeout)).await;
    let bystander = Bystander::start(&server.url()).await;

    // WebSockets that open and never send CONNECT.
    let mut websockets = Vec::new();
    for _ in 0..FLOOD_WEBSOCKETS {
        let mut websocket = RawWebSocket::open(server.addr, "EIO=4&transport=websocket").await;
        assert!(websocket.receive_text().await.starts_with("0{\"sid\":"));
        websockets.push(websocket);
    }
    // Polling handshakes that never come back.
    let addr = server.addr;
    let sids = in_flights(FLOOD_HANDSHAKES, move |_| async move { polling_handshake(addr).await }).await;
    // The polling sessions are all still held (closed ones wait for their
    // client's next GET), whatever the time the flood took.
    assert!(server.sessions() > FLOOD_HANDSHAKES, "{} sessions after the flood", server.sessions());

    // Each WebSocket flooder is closed (a close frame, then the hang-up).
    for mut websocket in websockets {
        let frames = websocket.until_closed().await;
        assert!(frames.iter().all(|(opcode, _)| *opcode == CLOSE), "only a close frame: {frames:?}");
    }
    // Each polling flooder's session is closed too: its next GET (parked
    // until then if it comes early) gets the close packet, and the session
    // is gone after it. (One that never polls again is dropped after the
    // reference's 30 s polling close timeout.)
    let answers = in_flights(FLOOD_HANDSHAKES, move |index| {
        let sid = sids[index].clone();
        async move { get(addr, &polling(&sid)).await }
    })
    .await;
    for answer in answers {
        assert_eq!((answer.status, answer.body.as_str()), (200, "1"));
    }
    server.wait_for_sessions(1).await;
    bystander.finish().await;
}

/// Runs `count` calls of `call` (given their index), at most
/// [`FLOOD_CONCURRENCY`] at once; returns their results by index.
async fn in_flights<F, Fut, T>(count: usize, call: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let mut flights = tokio::task::JoinSet::new();
    let mut started = 0;
    while started < count || !flights.is_empty() {
        while started < count && flights.len() < FLOOD_CONCURRENCY {
            let flight = call(started);
            let index = started;
            flights.spawn(async move { (index, flight.await) });
            started += 1;
        }
        if let Some(flight) = flights.join_next().await {
            let (index, result) = flight.expect("no panic in a flight");
            results[index] = Some(result);
        }
    }
    results.into_iter().map(|result| result.expect("every flight ran")).collect()
}

// --- slowloris ---

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_request_heads_are_cut_off_at_the_header_read_timeout() {
    let header_timeout = Duration::from_millis(500);
    let server = start(SocketIo::builder().header_read_timeout(Some(header_timeout))).await;
    let bystander = Bystander::start(&server.url()).await;
    let head = format!("GET {PATH}?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    let mut slow = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (addr, head) = (server.addr, head.clone());
        slow.spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            let started = Instant::now();
            // One byte every 100 ms: the whole head would take minutes.
            for byte in head.bytes().chain(std::iter::repeat_n(b'a', 10_000)) {
                if stream.write_all(&[byte]).await.is_err() {
                    break;
                }
                let mut answer = [0u8; 256];
                match timeout(Duration::from_millis(100), stream.read(&mut answer)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(read)) => return (started.elapsed(), answer[..read].to_vec()),
                    Err(_) => {}
                }
            }
            (started.elapsed(), Vec::new())
        });
    }
    while let Some(outcome) = slow.join_next().await {
        let (cut_after, answer) = outcome.expect("no panic");
        assert!(cut_after < WAIT, "a slow head kept its connection for {cut_after:?}");
        assert!(cut_after >= header_timeout - Duration::from_millis(100), "cut after {cut_after:?}");
        // The server hangs up without a word.
        assert_eq!(String::from_utf8_lossy(&answer), "");
    }
    assert_eq!(server.sessions(), 1);
    bystander.finish().await;
}

// --- random bytes ---

/// A deterministic xorshift stream of bytes.
fn random_bytes(seed: u64, length: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[tokio::test]
async fn random_bytes_instead_of_http_get_400_and_a_hang_up() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    for seed in 0..50 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        let _ = stream.write_all(&random_bytes(seed, 16 * 1024)).await;
        let mut answer = Vec::new();
        let _ = timeout(WAIT, stream.read_to_end(&mut answer)).await.expect("the server hangs up in time");
        // hyper's answer to a request it cannot parse, then the hang-up.
        let answer = HttpAnswer::parse(&answer);
        assert_eq!(answer.status, 400, "seed {seed}: {answer:?}");
        assert!(answer.head.starts_with("http/1.1 400 bad request\r\nconnection: close\r\ncontent-length: 0\r\n"));
        assert_eq!(answer.body, "", "seed {seed}");
    }
    assert_eq!(server.sessions(), 1);
    bystander.finish().await;
}

#[tokio::test]
async fn random_bytes_on_an_open_websocket_close_its_session() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    for seed in 0..20 {
        let mut websocket = super::support::websocket_socket(server.addr).await;
        server.wait_for_sessions(2).await;
        websocket.send_raw(&random_bytes(seed, 4 * 1024)).await;
        loop {
            match websocket.receive().await {
                Received::Eof => break,
                Received::Frame(CLOSE, _) | Received::Frame(TEXT, _) => {}
                Received::Frame(opcode, payload) => panic!("seed {seed}: frame {opcode} {payload:?}"),
            }
        }
        server.wait_for_sessions(1).await;
    }
    bystander.finish().await;
}

#[tokio::test]
async fn random_bytes_as_a_polling_body_close_only_that_session() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    for seed in 0..20 {
        let sid = polling_socket(server.addr).await;
        let answer = http(
            server.addr,
            "POST",
            &format!("{PATH}?{}", polling(&sid)),
            "Content-Type: application/octet-stream\r\n",
            &random_bytes(seed, 2 * 1024),
        )
        .await;
        // A body that is no Engine.IO payload is refused (the reference
        // answers `200 ok`, then closes): the session is closed either way.
        assert_eq!((answer.status, answer.body.as_str()), (400, BAD_REQUEST), "seed {seed}");
        server.wait_for_sessions(1).await;
        assert_eq!(get(server.addr, &polling(&sid)).await.body, UNKNOWN_SID, "seed {seed}");
    }
    bystander.finish().await;
}

// --- the header size limit ---

/// Sends `method` of `query` on the Socket.IO path with one more header
/// line, whatever its size (the server may answer and hang up before it
/// has read it all), and reads the answer.
async fn with_header(addr: std::net::SocketAddr, method: &str, query: &str, header: &str) -> HttpAnswer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!("{method} {PATH}?{query} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{header}\r\n\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let mut raw = Vec::new();
    let _ = timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("the answer comes in time");
    HttpAnswer::parse(&raw)
}

/// A header line of `bytes` bytes in all.
fn filler(bytes: usize) -> String {
    format!("X-Filler: {}", "f".repeat(bytes - "X-Filler: ".len()))
}

#[tokio::test]
async fn a_request_head_over_16_kb_gets_431() {
    let server = start(SocketIo::builder()).await;
    let bystander = Bystander::start(&server.url()).await;
    let answer = with_header(server.addr, "GET", "EIO=4&transport=polling", &filler(17 * 1024)).await;
    assert_eq!(answer.status, 431, "{}", answer.head);
    assert_eq!(server.sessions(), 1, "no session was opened (the bystander's only)");
    bystander.finish().await;
}

#[tokio::test]
async fn a_request_head_just_within_16_kb_is_served() {
    let server = start(SocketIo::builder()).await;
    let answer = with_header(server.addr, "GET", "EIO=4&transport=polling", &filler(15 * 1024)).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert!(answer.body.starts_with("0{\"sid\":"), "{}", answer.body);
}

#[tokio::test]
async fn the_header_size_limit_is_configurable() {
    let server = start(SocketIo::builder().max_header_size(64 * 1024)).await;
    let answer = with_header(server.addr, "GET", "EIO=4&transport=polling", &filler(32 * 1024)).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    let answer = with_header(server.addr, "GET", "EIO=4&transport=polling", &filler(65 * 1024)).await;
    assert_eq!(answer.status, 431, "{}", answer.head);
}

#[tokio::test]
async fn a_websocket_upgrade_with_a_head_over_16_kb_gets_431() {
    let server = start(SocketIo::builder()).await;
    let upgrade = format!(
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n{}",
        filler(17 * 1024)
    );
    let answer = with_header(server.addr, "GET", "EIO=4&transport=websocket", &upgrade).await;
    assert_eq!(answer.status, 431, "{}", answer.head);
}

#[tokio::test]
async fn a_preflight_asking_for_400_kb_of_headers_gets_431_and_no_echo() {
    let server = start(SocketIo::builder()).await;
    let requested = format!("Access-Control-Request-Headers: {}", vec!["x-header"; 400 * 1024 / 9].join(","));
    let answer = with_header(server.addr, "OPTIONS", "EIO=4&transport=polling", &requested).await;
    assert_eq!(answer.status, 431, "{}", &answer.head[..answer.head.len().min(200)]);
    assert!(!answer.head.contains("access-control-allow-headers"));
}

#[tokio::test]
async fn a_preflight_echoes_the_requested_headers_within_the_limit() {
    let server = start(SocketIo::builder()).await;
    let list = vec!["x-header"; 12 * 1024 / 9].join(",");
    let answer = with_header(
        server.addr,
        "OPTIONS",
        "EIO=4&transport=polling",
        &format!("Origin: http://example.com\r\nAccess-Control-Request-Headers: {list}"),
    )
    .await;
    assert_eq!(answer.status, 204, "{}", &answer.head[..answer.head.len().min(200)]);
    assert!(answer.head.contains(&format!("access-control-allow-headers: {list}")));
}
