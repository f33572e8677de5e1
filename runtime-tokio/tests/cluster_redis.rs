//! Two of our servers sharing a real Redis through the Redis adapter
//! (`runtime_tokio::redis`): broadcasts, rooms, `fetch_sockets`,
//! `sockets_join`, server-side emits and broadcast acks span both; a silent
//! server makes requests time out; a restarted Redis is picked up again.

mod cluster_support;

use std::time::Duration;

use cluster_support::{rust_server, rust_server_with, wait_for, wait_for_servers, RedisServer, TestClient, WAIT};
use runtime_tokio::redis::RedisAdapterConfig;
use runtime_tokio::socketio::{AdapterError, BroadcastAckError};
use serde_json::json;

/// Long enough to see that a message that should not come did not.
const QUIET: Duration = Duration::from_millis(700);

#[tokio::test]
async fn a_broadcast_from_one_server_reaches_every_client_of_every_server_once() {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let mut on_a = TestClient::connect(addr_a, &[], None).await;
    let mut on_b = TestClient::connect(addr_b, &[], None).await;
    io_a.emit("news", "from a").expect("emits");
    io_b.emit("news", "from b").expect("emits");
    for client in [&mut on_a, &mut on_b] {
        let mut received = client.news_until(2, QUIET).await;
        received.sort();
        assert_eq!(received, ["from a", "from b"]);
    }
}

#[tokio::test]
async fn rooms_and_except_select_clients_on_both_servers() {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_b, 2).await;
    let mut red_a = TestClient::connect(addr_a, &["red"], None).await;
    let mut red_blue_b = TestClient::connect(addr_b, &["red", "blue"], None).await;
    let mut red_b = TestClient::connect(addr_b, &["red"], None).await;
    let mut none_b = TestClient::connect(addr_b, &[], None).await;
    io_a.to("red").except("blue").emit("news", "red not blue").expect("emits");
    assert_eq!(red_a.next_news().await, "red not blue");
    assert_eq!(red_b.next_news().await, "red not blue");
    assert_eq!(red_blue_b.news_within(QUIET).await, Vec::<String>::new());
    assert_eq!(none_b.news_within(Duration::ZERO).await, Vec::<String>::new());
    drop(io_b);
}

#[tokio::test]
async fn fetch_sockets_everywhere_sees_the_sockets_of_the_other_server_with_rooms_and_data() {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let _on_a = TestClient::connect(addr_a, &["x"], None).await;
    let _on_b = TestClient::connect(addr_b, &["x", "y"], None).await;
    let sockets = io_a.sockets().fetch_sockets_everywhere().await.expect("both servers answer");
    assert_eq!(sockets.len(), 2);
    let remote = sockets.iter().find(|socket| !socket.is_local()).expect("one socket of server b");
    assert_eq!(&remote.rooms()[1..], ["x", "y"]);
    assert_eq!(remote.data::<serde_json::Value>(), Some(json!({ "server": "b" })));
    let in_y = io_a.to("y").fetch_sockets_everywhere().await.expect("both servers answer");
    assert_eq!(in_y.iter().map(|socket| socket.id().clone()).collect::<Vec<_>>(), [remote.id().clone()]);
    drop(io_b);
}

#[tokio::test]
async fn a_remote_socket_joins_a_room_and_receives_emits_through_the_adapter() {
    let redis = RedisServer::start().await;
    let (_addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let mut on_b = TestClient::connect(addr_b, &[], None).await;
    let sockets = io_a.sockets().fetch_sockets_everywhere().await.expect("both servers answer");
    let [remote] = sockets.as_slice() else { panic!("one socket expected, got {}", sockets.len()) };
    remote.emit("news", "direct").expect("emits");
    assert_eq!(on_b.next_news().await, "direct");
    io_a.sockets().sockets_join("late");
    let namespace = io_b.sockets();
    wait_for(|| {
        let namespace = namespace.clone();
        async move { namespace.fetch_sockets().first().is_some_and(|socket| socket.rooms().contains(&"late".into())) }
    })
    .await;
    io_a.to("late").emit("news", "to late").expect("emits");
    assert_eq!(on_b.next_news().await, "to late");
}

#[tokio::test]
async fn server_side_emit_with_ack_gathers_the_answer_of_each_other_server() {
    let redis = RedisServer::start().await;
    let (_addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (_addr_b, io_b) = rust_server(&redis.url(), "b").await;
    let (_addr_c, io_c) = rust_server(&redis.url(), "c").await;
    wait_for_servers(&io_a, 3).await;
    for (io, name) in [(&io_b, "b"), (&io_c, "c")] {
        io.sockets().on_server_side_emit(move |event| {
            assert_eq!(event.event.as_str(), "hello");
            if let Some(ack) = event.ack {
                ack.send(socketio_proto::Json::from_serialize(&name).ok());
            }
        });
    }
    let mut answers = io_a.sockets().server_side_emit_with_ack("hello", &1).await.expect("both answer");
    answers.sort_by_key(|answer| answer.as_ref().map(|json| json.as_str().to_owned()));
    let texts: Vec<_> = answers.iter().map(|answer| answer.as_ref().map(|json| json.as_str().to_owned())).collect();
    assert_eq!(texts, [Some("\"b\"".to_owned()), Some("\"c\"".to_owned())]);
}

#[tokio::test]
async fn broadcast_acks_are_gathered_from_the_clients_of_the_other_server() {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let _on_a = TestClient::connect(addr_a, &[], Some("from a")).await;
    let _on_b1 = TestClient::connect(addr_b, &[], Some("from b1")).await;
    let _on_b2 = TestClient::connect(addr_b, &[], Some("from b2")).await;
    let answers = io_a.sockets().timeout(WAIT).emit_with_ack("question", &"?").await.expect("every client answers");
    let mut texts: Vec<String> =
        answers.iter().map(|(_, args)| args.to_owned_value::<(String,)>().expect("one string").0).collect();
    texts.sort();
    assert_eq!(texts, ["from a", "from b1", "from b2"]);
    drop(io_b);
}

#[tokio::test]
async fn the_clients_of_the_other_server_are_asked_while_a_local_client_keeps_the_broadcast_waiting() {
    let redis = RedisServer::start().await;
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let _silent_on_a = TestClient::connect(addr_a, &[], None).await;
    let mut on_b = TestClient::connect(addr_b, &[], Some("from b")).await;
    // The local client never answers: the broadcast waits for the whole (long) timeout.
    let namespace = io_a.sockets();
    let waiting = tokio::spawn(async move { namespace.timeout(WAIT * 4).emit_with_ack("question", &"?").await });
    let question = tokio::time::timeout(WAIT, on_b.questions.recv()).await.expect("asked long before the timeout");
    assert_eq!(question, Some(json!(["?"])));
    assert!(!waiting.is_finished());
    waiting.abort();
    drop(io_b);
}

#[tokio::test]
async fn the_other_server_sends_each_client_ack_as_it_arrives_even_when_one_of_its_clients_never_answers() {
    let redis = RedisServer::start().await;
    let (_addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let _answering_on_b = TestClient::connect(addr_b, &[], Some("from b")).await;
    let _silent_on_b = TestClient::connect(addr_b, &[], None).await;
    let outcome = io_a.sockets().timeout(Duration::from_secs(2)).emit_with_ack("question", &"?").await;
    let Err(BroadcastAckError::Timeout { responses, .. }) = outcome else {
        panic!("the silent client makes it a timeout: {outcome:?}");
    };
    let answers: Vec<String> =
        responses.iter().map(|(_, args)| args.to_owned_value::<(String,)>().expect("one string").0).collect();
    assert_eq!(answers, ["from b"], "server b did not hold its answering client's ack back");
    drop(io_b);
}

#[tokio::test]
async fn answers_on_the_asking_servers_own_response_channel_are_heard() {
    let redis = RedisServer::start().await;
    let specific = RedisAdapterConfig::default().with_publish_on_specific_response_channel(true);
    let (addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server_with(&redis.url(), "b", specific).await;
    wait_for_servers(&io_a, 2).await;
    let _on_a = TestClient::connect(addr_a, &[], Some("from a")).await;
    let _on_b = TestClient::connect(addr_b, &[], Some("from b")).await;
    let sockets = io_a.sockets().fetch_sockets_everywhere().await.expect("b answers on a's own channel");
    assert_eq!(sockets.len(), 2);
    let answers = io_a.sockets().timeout(WAIT).emit_with_ack("question", &"?").await.expect("all answer");
    assert_eq!(answers.len(), 2);
    drop(io_b);
}

#[tokio::test]
async fn a_request_waiting_on_a_server_that_never_answers_times_out_with_a_clear_error() {
    let redis = RedisServer::start().await;
    let (_addr_a, io_a) = rust_server(&redis.url(), "a").await;
    // A subscriber of the request channel that never answers: a server that died mid-request.
    let client = redis::Client::open(redis.url()).expect("url");
    let mut silent = client.get_async_pubsub().await.expect("connects");
    silent.subscribe("socket.io-request#/#").await.expect("subscribes");
    wait_for_servers(&io_a, 2).await;
    let error = io_a.sockets().fetch_sockets_everywhere().await.expect_err("the silent server never answers");
    assert_eq!(error, AdapterError::Timeout { operation: "fetchSockets", answered: 0, expected: 1 });
    assert!(error.to_string().contains("timeout reached while waiting for fetchSockets"));
    let error = io_a.sockets().timeout(Duration::from_millis(500)).emit_with_ack("question", &"?").await;
    assert!(matches!(error, Err(BroadcastAckError::Timeout { .. })), "{error:?}");
}

#[tokio::test]
async fn broadcasts_resume_after_redis_restarts() {
    let redis = RedisServer::start().await;
    let url = redis.url();
    let (addr_a, io_a) = rust_server(&url, "a").await;
    let (addr_b, io_b) = rust_server(&url, "b").await;
    wait_for_servers(&io_a, 2).await;
    let _on_a = TestClient::connect(addr_a, &[], None).await;
    let mut on_b = TestClient::connect(addr_b, &[], None).await;
    io_a.emit("news", "before").expect("emits");
    assert_eq!(on_b.next_news().await, "before");
    let port = redis.kill().await;
    let _restarted = RedisServer::start_on(port).await;
    // Both adapters subscribe again on their own.
    wait_for_servers(&io_a, 2).await;
    wait_for_servers(&io_b, 2).await;
    // A publish during the reconnection may be lost (pub/sub): send until one arrives.
    let mut received = Vec::new();
    for _ in 0..20 {
        io_a.emit("news", "after").expect("emits");
        received = on_b.news_within(QUIET).await;
        if !received.is_empty() {
            break;
        }
    }
    assert!(received.iter().all(|news| news == "after") && !received.is_empty(), "received {received:?}");
}

#[tokio::test]
async fn requests_fail_with_unavailable_while_redis_is_down() {
    let redis = RedisServer::start().await;
    let (_addr_a, io_a) = rust_server(&redis.url(), "a").await;
    wait_for_servers(&io_a, 1).await;
    redis.kill().await;
    let namespace = io_a.sockets();
    let error = tokio::time::timeout(WAIT, namespace.fetch_sockets_everywhere()).await.expect("fails in time");
    assert!(matches!(error, Err(AdapterError::Unavailable(_))), "{error:?}");
    assert!(error.expect_err("unavailable").to_string().starts_with("cluster adapter unavailable"));
}

#[tokio::test]
async fn a_burst_of_broadcasts_reaches_the_clients_of_the_other_server_once_and_in_order() {
    let redis = RedisServer::start().await;
    let (_addr_a, io_a) = rust_server(&redis.url(), "a").await;
    let (addr_b, io_b) = rust_server(&redis.url(), "b").await;
    wait_for_servers(&io_a, 2).await;
    let mut on_b = TestClient::connect(addr_b, &[], None).await;
    // Emitted back to back: they queue up behind one another on the way to Redis.
    let sent: Vec<String> = (0..500).map(|number| number.to_string()).collect();
    for text in &sent {
        io_a.emit("news", text).expect("emits");
    }
    assert_eq!(on_b.news_until(sent.len(), QUIET).await, sent);
    drop(io_b);
}
