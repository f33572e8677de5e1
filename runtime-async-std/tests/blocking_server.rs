//! socketio-proto's blocking std-only example server
//! (`socketio-proto/examples/blocking_server.rs`, no async runtime at all)
//! against the real npm `socket.io-client` 4.8 over long-polling
//! (`interop/blocking_client.js`): the proof, for the README's "driving the
//! proto crates from your own executor or event loop", that the machines
//! need nothing but bytes and time. It lives here beside the scenario suite
//! to share its peer runner; the example is compiled into the test.

#[path = "../../socketio-proto/examples/blocking_server.rs"]
#[allow(dead_code)]
mod blocking_server;
#[path = "../../runtime-tokio/tests/peers/mod.rs"]
mod peers;

use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

/// The blocking server, serving on a free loopback port in a thread of its own.
fn start_blocking_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("a bound address");
    std::thread::spawn(move || blocking_server::serve(listener));
    format!("http://{addr}")
}

#[test]
fn node_client_gets_events_acks_binary_and_a_refusal_from_the_blocking_std_server() {
    peers::require_npm("socket.io-client");
    let url = start_blocking_server();
    let output = peers::run_blocking(
        "node",
        vec![peers::interop_dir().join("blocking_client.js").into_os_string(), url.into()],
        Duration::from_secs(20),
    );
    let report = output.ok_report();
    assert_eq!(report["hello"], json!(["world", [1, 2, 3]]), "the server's emit with a binary: {report}");
    assert_eq!(report["echo"], json!(["hi", [7, 8, 9]]), "text and binary echoed in the ack: {report}");
    assert_eq!(report["welcome"], "hi", "the server's emit with ack: {report}");
    assert_eq!(report["welcomeAnswer"], "thanks", "the client's ack reached the server: {report}");
    assert_eq!(report["nopeError"], "Invalid namespace", "an unknown namespace is refused: {report}");
}
