//! The per-socket API (handshake, rooms, data, `on_any`,
//! `on_any_outgoing`, `on_disconnecting`) and `SocketIo::close`, against
//! real `socket.io-client` 4.8.1 peers (`socketio_api_client.js group`):
//! each client sends auth `{index}` and header `x-peer: peer-<index>` and
//! emits `hi` <index> once connected; the server gives socket `index` the
//! data `index`, the room `group-<index % 2>` (and `vip` for 0) and emits
//! `welcome` <index>.

mod socketio_api_support;

use serde_json::json;
use socketio_api_support::{next_with, run_client, start_group};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_shows_the_auth_the_headers_and_the_client_address() {
    let mut group = start_group(1, |_io, _ns, _report| async {}).await;
    run_client(&group.url, &["group", "1", "0"]).await;
    let report = next_with(&mut group.reports, "handshake").await;
    assert_eq!(report, json!({ "handshake": 0, "auth": { "index": 0 }, "peer": "peer-0", "address": "127.0.0.1" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_lists_the_own_room_first_then_the_joined_ones() {
    let mut group = start_group(1, |_io, _ns, _report| async {}).await;
    run_client(&group.url, &["group", "1", "0"]).await;
    let report = next_with(&mut group.reports, "rooms").await;
    assert_eq!(report["rooms"], json!([report["id"], "group-0", "vip"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_is_per_socket_and_typed() {
    let mut group = start_group(2, |_io, ns, report| async move {
        let mut data: Vec<_> =
            ns.fetch_sockets().iter().map(|socket| (socket.data::<u64>(), socket.data::<String>())).collect();
        data.sort();
        let _ = report.send(json!({ "data": data }));
    })
    .await;
    run_client(&group.url, &["group", "2", "0"]).await;
    let report = next_with(&mut group.reports, "data").await;
    assert_eq!(report["data"], json!([[0, null], [1, null]]), "a value per type, none of another type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_any_sees_every_incoming_event_with_its_name_and_arguments() {
    let mut group = start_group(1, |_io, _ns, _report| async {}).await;
    run_client(&group.url, &["group", "1", "0"]).await;
    assert_eq!(next_with(&mut group.reports, "any").await, json!({ "any": "hi", "args": [0] }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_any_outgoing_sees_the_socket_emits() {
    let mut group = start_group(1, |_io, _ns, _report| async {}).await;
    run_client(&group.url, &["group", "1", "0"]).await;
    assert_eq!(next_with(&mut group.reports, "outgoing").await, json!({ "outgoing": "welcome" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_disconnecting_still_sees_the_rooms() {
    let mut group = start_group(1, |_io, ns, _report| async move { ns.disconnect_sockets(false) }).await;
    run_client(&group.url, &["group", "1", "0"]).await;
    let report = next_with(&mut group.reports, "disconnecting").await;
    assert_eq!(report["disconnecting"], "server namespace disconnect");
    let rooms = report["rooms"].as_array().cloned().unwrap_or_default();
    assert_eq!(rooms[1..], [json!("group-0"), json!("vip")], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_disconnects_every_socket_with_server_shutting_down() {
    let mut group = start_group(2, |io, _ns, report| async move {
        io.close().await;
        let _ = report.send(json!({ "closed": true }));
    })
    .await;
    let client = run_client(&group.url, &["group", "2", "0"]).await;
    assert_eq!(client["disconnects"], json!(["transport close", "transport close"]), "{client}");
    // `close` resolves once the sockets left; their handlers may run after.
    let (mut reasons, mut closed) = (Vec::new(), false);
    while reasons.len() < 2 || !closed {
        let report = socketio_api_support::next(&mut group.reports).await;
        if let Some(reason) = report.get("reason") {
            reasons.push(reason.clone());
        }
        closed |= report.get("closed").is_some();
    }
    assert_eq!(reasons, [json!("server shutting down"), json!("server shutting down")]);
}
