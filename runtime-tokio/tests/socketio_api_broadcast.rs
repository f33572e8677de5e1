//! Broadcast operators and namespace-wide socket operations against real
//! `socket.io-client` 4.8.1 peers (`socketio_api_client.js group`): three
//! clients, indexes 0..2, in rooms `group-<index % 2>` (and `vip` for 0);
//! each test runs one scenario once all three are set up.

mod socketio_api_support;

use std::time::Duration;

use runtime_tokio::socketio::BroadcastAckError;
use serde_json::{json, Value};
use socketio_api_support::{next_with, run_client, start_group};

/// What each client heard (`welcome` left out), by index.
fn heard(report: &Value) -> Vec<Value> {
    let received = report["received"].as_array().cloned().unwrap_or_default();
    received
        .into_iter()
        .map(|events| {
            let events = events.as_array().cloned().unwrap_or_default();
            Value::Array(events.into_iter().filter(|event| event[0] != "welcome").collect())
        })
        .collect()
}

/// The values in `(socket id, args)` answers, sorted.
fn answer_values(responses: &[(engineio_proto::Sid, socketio_proto::Args)]) -> Vec<u64> {
    let mut values: Vec<u64> =
        responses.iter().filter_map(|(_, args)| args.deserialize::<(u64,)>().ok()).map(|(value,)| value).collect();
    values.sort_unstable();
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_ack_collects_every_answer() {
    let mut group = start_group(3, |_io, ns, report| async move {
        let outcome = ns.timeout(Duration::from_secs(5)).emit_with_ack("question", "?").await;
        let _ = report.send(json!({ "answers": outcome.map(|responses| answer_values(&responses)).ok() }));
    })
    .await;
    run_client(&group.url, &["group", "3", "3"]).await;
    assert_eq!(next_with(&mut group.reports, "answers").await["answers"], json!([0, 1, 2]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_ack_times_out_with_the_answers_and_the_missing() {
    let mut group = start_group(3, |_io, ns, report| async move {
        let outcome = ns.timeout(Duration::from_millis(300)).emit_with_ack("question", "?").await;
        let report_value = match outcome {
            Err(BroadcastAckError::Timeout { responses, missing }) => {
                json!({ "timeout": answer_values(&responses), "missing": missing.len() })
            }
            other => json!({ "timeout": format!("{other:?}") }),
        };
        let _ = report.send(report_value);
    })
    .await;
    run_client(&group.url, &["group", "3", "2"]).await;
    let report = next_with(&mut group.reports, "timeout").await;
    assert_eq!(report, json!({ "timeout": [0, 1], "missing": 1 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn except_skips_the_members_of_the_room() {
    let group = start_group(3, |_io, ns, _report| async move {
        ns.except("vip").emit("news", "hi").expect("strings serialize");
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    assert_eq!(heard(&report), [json!([]), json!([["news", "hi"]]), json!([["news", "hi"]])], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volatile_broadcast_reaches_writable_websocket_clients() {
    let group = start_group(3, |_io, ns, _report| async move {
        // Volatile means "only if the transport can write at once": give the
        // connections a moment to write their `welcome` (the last socket's
        // may still be queued when its handler reports) so all are idle.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        ns.volatile().emit("flash", &1).expect("numbers serialize");
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    assert_eq!(heard(&report), vec![json!([["flash", 1]]); 3], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_broadcast_reaches_every_socket_of_the_server() {
    let group = start_group(3, |_io, ns, _report| async move {
        ns.local().to("group-0").emit("news", "local").expect("strings serialize");
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    let news = json!([["news", "local"]]);
    assert_eq!(heard(&report), [news.clone(), json!([]), news], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_sockets_returns_the_selected_sockets_with_their_rooms_and_data() {
    let mut group = start_group(3, |_io, ns, report| async move {
        let mut fetched: Vec<Value> = ns
            .to("group-0")
            .fetch_sockets()
            .iter()
            .map(|socket| {
                let own_room_first = socket.rooms().first().map(String::as_str) == Some(socket.id().as_str());
                json!({ "data": socket.data::<u64>(), "inGroup": socket.rooms().contains(&"group-0".to_owned()), "ownRoomFirst": own_room_first })
            })
            .collect();
        fetched.sort_by_key(|socket| socket["data"].as_u64());
        let _ = report.send(json!({ "fetched": fetched }));
    })
    .await;
    run_client(&group.url, &["group", "3", "0"]).await;
    let socket = |data: u64| json!({ "data": data, "inGroup": true, "ownRoomFirst": true });
    assert_eq!(next_with(&mut group.reports, "fetched").await["fetched"], json!([socket(0), socket(2)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_socket_emit_reaches_its_client() {
    let group = start_group(3, |_io, ns, _report| async move {
        for socket in ns.to("group-1").fetch_sockets() {
            socket.emit("direct", "you").expect("strings serialize");
        }
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    assert_eq!(heard(&report), [json!([]), json!([["direct", "you"]]), json!([])], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_join_adds_the_selected_sockets_to_a_room() {
    let group = start_group(3, |_io, ns, _report| async move {
        ns.to("group-1").sockets_join("late");
        ns.to("late").emit("news", "late").expect("strings serialize");
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    assert_eq!(heard(&report), [json!([]), json!([["news", "late"]]), json!([])], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_leave_removes_the_selected_sockets_from_a_room() {
    let group = start_group(3, |_io, ns, _report| async move {
        ns.except("vip").sockets_leave("group-0");
        ns.to("group-0").emit("news", "group-0").expect("strings serialize");
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    assert_eq!(heard(&report), [json!([["news", "group-0"]]), json!([]), json!([])], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_sockets_disconnects_the_selected_clients() {
    let group = start_group(3, |_io, ns, _report| async move {
        ns.to("group-1").disconnect_sockets(false);
    })
    .await;
    let report = run_client(&group.url, &["group", "3", "0"]).await;
    assert_eq!(report["disconnects"], json!([null, "io server disconnect", null]), "{report}");
    assert_eq!(report["done"], json!([true, null, true]), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_ack_without_timeout_ends_at_once_like_the_reference() {
    let mut group = start_group(1, |_io, ns, report| async move {
        let outcome = ns.all().emit_with_ack("question", "?").await;
        let report_value = match outcome {
            Err(BroadcastAckError::Timeout { responses, missing }) => {
                json!({ "timeout": responses.len(), "missing": missing.len() })
            }
            other => json!({ "timeout": format!("{other:?}") }),
        };
        let _ = report.send(report_value);
    })
    .await;
    run_client(&group.url, &["group", "1", "1"]).await;
    assert_eq!(next_with(&mut group.reports, "timeout").await, json!({ "timeout": 0, "missing": 1 }));
}
