//! Deterministic simulation of the Socket.IO client [`Manager`] against the
//! server [`Connection`] machines, over the Engine.IO machines, with no
//! sockets: `simulation_support::Net` plays the network (HTTP requests and
//! WebSocket frames, partitions, a server that dies and comes back) and
//! both applications, and jumps time from deadline to deadline, so minutes
//! of heartbeats, timeouts and backoff run in microseconds.

mod simulation_support;

use std::time::Duration;

use bytes::Bytes;
use engineio_proto::client::ClientConfig;
use engineio_proto::server::ServerConfig as EngineServerConfig;
use engineio_proto::{Instant, TransportKind};
use simulation_support::{args, Link, Net, PRIVATE_REFUSAL};
use socketio_proto::client::{AckError, DisconnectReason, EmitOptions, Event, ManagerConfig, SocketHandle};
use socketio_proto::recovery::RecoveryConfig;
use socketio_proto::server::{DisconnectReason as ServerDisconnectReason, Output as ServerOutput};
use socketio_proto::{ArgsBuilder, Binary, Packet};

fn polling_only() -> ManagerConfig {
    let mut engine = ClientConfig::default();
    engine.transports = vec![TransportKind::Polling];
    ManagerConfig::new(engine)
}

/// A settled network whose manager has joined the given namespaces.
fn joined(config: ManagerConfig, namespaces: &[&str]) -> (Net, Vec<SocketHandle>) {
    joined_with_seed(config, namespaces, 1)
}

fn joined_with_seed(config: ManagerConfig, namespaces: &[&str], seed: u64) -> (Net, Vec<SocketHandle>) {
    let mut net = Net::unsettled(config, EngineServerConfig::default(), seed);
    let now = net.now;
    let sockets = namespaces.iter().map(|namespace| net.manager.socket(now, namespace, None)).collect();
    net.settle();
    (net, sockets)
}

fn with_ack_within(timeout: Duration) -> EmitOptions {
    EmitOptions { ack: true, timeout: Some(timeout), ..EmitOptions::default() }
}

/// The delay of `socket.io-client`'s bundled backo2 for attempt `index`
/// (from 0), min 1000 ms, max 5000 ms, jitter 0.5, `Math.random()` being
/// `random / 2^32`: written here from the reference, independently of the crate.
fn backo2_delay(index: u32, random: u32) -> Duration {
    let ms = 1000.0 * 2f64.powi(index as i32);
    let fraction = f64::from(random) / 4_294_967_296.0;
    let deviation = (fraction * 0.5 * ms).floor();
    let ms = if ((fraction * 10.0).floor() as u64) & 1 == 0 { ms - deviation } else { ms + deviation };
    Duration::from_millis(ms.min(5000.0) as u64)
}

fn acks_received(net: &Net) -> Vec<(Instant, SocketHandle, socketio_proto::client::AckToken, socketio_proto::Args)> {
    net.client(|event| match event {
        Event::AckReceived { socket, token, args } => Some((*socket, *token, args.clone())),
        _ => None,
    })
    .into_iter()
    .map(|(at, (socket, token, args))| (at, socket, token, args))
    .collect()
}

fn acks_failed(net: &Net) -> Vec<(Instant, socketio_proto::client::AckToken, AckError)> {
    net.client(|event| match event {
        Event::AckFailed { token, error, .. } => Some((*token, *error)),
        _ => None,
    })
    .into_iter()
    .map(|(at, (token, error))| (at, token, error))
    .collect()
}

/// The server's events named `name`: (when, connection, namespace, arguments JSON).
fn server_events(net: &Net, name: &str) -> Vec<(Instant, usize, String, String)> {
    net.server(|output| match output {
        ServerOutput::Event { namespace, event } if event.name.as_str() == name => {
            Some((namespace.as_str().to_owned(), event.arguments.json().as_str().to_owned()))
        }
        _ => None,
    })
    .into_iter()
    .map(|(at, connection, (namespace, json))| (at, connection, namespace, json))
    .collect()
}

/// The client's received events named `name`: (socket, arguments JSON).
fn client_received(net: &Net, name: &str) -> Vec<(SocketHandle, String)> {
    net.client(|event| match event {
        Event::Received { socket, event } if event.name.as_str() == name => {
            Some((*socket, event.arguments.json().as_str().to_owned()))
        }
        _ => None,
    })
    .into_iter()
    .map(|(_, received)| received)
    .collect()
}

#[test]
fn namespaces_share_one_engine_connection_and_a_refused_one_leaves_the_others_connected() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/", "/admin", "/private"]);
    let [main, admin, private] = sockets[..] else { unreachable!() };
    assert!(net.manager.connected(main) && net.manager.connected(admin));
    assert!(!net.manager.connected(private) && !net.manager.active(private), "a refusal is final");
    let refusals = net.client(|event| match event {
        Event::ConnectError { socket, message, .. } => Some((*socket, message.clone())),
        _ => None,
    });
    assert_eq!(
        refusals.into_iter().map(|(_, refusal)| refusal).collect::<Vec<_>>(),
        [(private, PRIVATE_REFUSAL.into())]
    );

    let now = net.now;
    let on_main = net.manager.emit(now, main, "echo", args(&("to main", 1)), EmitOptions::with_ack()).unwrap();
    let on_admin = net.manager.emit(now, admin, "echo", args(&("to admin", 2)), EmitOptions::with_ack()).unwrap();
    net.manager.emit(now, admin, "broadcast", args(&("admins only",)), EmitOptions::default()).unwrap();
    net.settle();

    let acks: Vec<_> = acks_received(&net).into_iter().map(|(_, socket, token, args)| (socket, token, args)).collect();
    assert_eq!(
        acks,
        [(main, on_main.unwrap(), args(&("to main", 1))), (admin, on_admin.unwrap(), args(&("to admin", 2)))]
    );
    let echoes: Vec<_> = server_events(&net, "echo").into_iter().map(|(_, c, ns, json)| (c, ns, json)).collect();
    assert_eq!(echoes, [(0, "/".into(), r#""to main",1"#.into()), (0, "/admin".into(), r#""to admin",2"#.into())]);
    assert_eq!(client_received(&net, "broadcast"), [(admin, r#""admins only""#.into())]);
    assert_eq!(net.connections_created, 1, "every namespace rides the one Engine.IO connection");
    assert_eq!(net.live_connections(), 1);
    assert_eq!(net.manager.engine().map(|(_, engine)| engine.transport()), Some(TransportKind::WebSocket));
}

#[test]
fn acks_travel_both_ways() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/"]);
    let main = sockets[0];
    let now = net.now;
    let token = net.manager.emit(now, main, "echo", args(&("ping", 7)), EmitOptions::with_ack()).unwrap().unwrap();
    let question = net.connection(0).unwrap().emit_with_ack(now, "/", "question", args(&("q?",)), None).unwrap();
    net.settle();

    let acks: Vec<_> = acks_received(&net).into_iter().map(|(_, socket, token, args)| (socket, token, args)).collect();
    assert_eq!(acks, [(main, token, args(&("ping", 7)))]);
    let asked = net.client(|event| match event {
        Event::Received { event, .. } if event.name.as_str() == "question" => event.ack_id,
        _ => None,
    });
    assert_eq!(asked.len(), 1);
    net.manager.ack(now, main, asked[0].1, args(&("answer", 42)));
    net.settle();
    let answered = net.server(|output| match output {
        ServerOutput::AckReceived { namespace, token, args } => {
            Some((namespace.as_str().to_owned(), *token, args.clone()))
        }
        _ => None,
    });
    assert_eq!(
        answered.into_iter().map(|(_, _, answer)| answer).collect::<Vec<_>>(),
        [("/".to_owned(), question, args(&("answer", 42)))]
    );
}

#[test]
fn unanswered_acks_time_out_exactly_at_their_deadline_on_each_side() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/"]);
    let main = sockets[0];
    let start = net.now;
    let client_timeout = Duration::from_millis(3_250);
    let server_timeout = Duration::from_millis(4_500);
    let token = net.manager.emit(start, main, "ignored", args(&(1,)), with_ack_within(client_timeout)).unwrap();
    let server_token =
        net.connection(0).unwrap().emit_with_ack(start, "/", "ignored", args(&(2,)), Some(server_timeout)).unwrap();
    net.advance(Duration::from_secs(60));

    assert_eq!(acks_failed(&net), [(start + client_timeout, token.unwrap(), AckError::TimedOut)]);
    let timed_out = net.server(|output| match output {
        ServerOutput::AckTimedOut { namespace, token } => Some((namespace.as_str().to_owned(), *token)),
        _ => None,
    });
    assert_eq!(timed_out, [(start + server_timeout, 0, ("/".to_owned(), server_token))]);
    assert!(acks_received(&net).is_empty());
    assert!(net.manager.connected(main), "a missing ack does not end the connection");
}

/// Sends binary both ways over the given client configuration.
fn binary_round_trip(config: ManagerConfig, transport: TransportKind) {
    let (mut net, sockets) = joined(config, &["/"]);
    let main = sockets[0];
    let upload = Bytes::from_static(&[0, 1, 0x1e, b'4', 0xff, 0xfe, b'"', b'b']);
    let download = Bytes::from(vec![0x1e; 300]);
    let now = net.now;
    let outgoing = ArgsBuilder::new().arg("upload").unwrap().binary(upload.clone()).build();
    let token = net.manager.emit(now, main, "echo", outgoing, EmitOptions::with_ack()).unwrap().unwrap();
    let incoming = ArgsBuilder::new().arg("download").unwrap().binary(download.clone()).build();
    net.connection(0).unwrap().emit("/", &Packet::event("/", "file", incoming, None).encode()).unwrap();
    net.settle();

    let echoed = net.server(|output| match output {
        ServerOutput::Event { event, .. } if event.name.as_str() == "echo" => {
            Some(event.args::<(String, Binary)>().unwrap())
        }
        _ => None,
    });
    assert_eq!(echoed.len(), 1);
    assert_eq!(echoed[0].2, ("upload".to_owned(), Binary(upload.clone())));
    let acks = acks_received(&net);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].2, token);
    assert_eq!(acks[0].3.to_owned_value::<(String, Binary)>().unwrap(), ("upload".to_owned(), Binary(upload)));
    let files = net.client(|event| match event {
        Event::Received { event, .. } if event.name.as_str() == "file" => event.args::<(String, Binary)>().ok(),
        _ => None,
    });
    assert_eq!(
        files.into_iter().map(|(_, file)| file).collect::<Vec<_>>(),
        [("download".to_owned(), Binary(download))]
    );
    assert_eq!(net.manager.engine().map(|(_, engine)| engine.transport()), Some(transport));
}

#[test]
fn binary_arguments_cross_long_polling_both_ways() {
    binary_round_trip(polling_only(), TransportKind::Polling);
}

#[test]
fn binary_arguments_cross_websocket_both_ways() {
    binary_round_trip(ManagerConfig::default(), TransportKind::WebSocket);
}

/// How the server becomes unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outage {
    /// Everything is lost silently: both sides find out by heartbeat.
    Partition,
    /// The server process dies: the client's transport fails at once and
    /// every attempt is refused until it is back.
    ServerDown,
}

/// What one run of the outage scenario observed.
struct OutageRun {
    /// Simulated time from the first connection to the end.
    simulated: Duration,
    attempts: usize,
}

/// Connects, cuts the server off for `length`, emits 20 events while
/// disconnected, brings the server back, and checks the automatic
/// reconnection and the delivery of the buffered events.
fn buffered_emits_survive_an_outage(seed: u64, outage: Outage, length: Duration, config: ManagerConfig) -> OutageRun {
    let transports = config.engine.transports.clone();
    let case = format!("seed {seed}, {outage:?} of {length:?} over {transports:?}");
    let (mut net, sockets) = joined_with_seed(config, &["/"], seed);
    let main = sockets[0];
    let begin = net.now;
    assert!(net.manager.connected(main));
    let cut = net.now;
    match outage {
        Outage::Partition => net.link = Link::Partitioned,
        Outage::ServerDown => net.kill_server(),
    }
    let detected = net.advance_until(cut + Duration::from_secs(60), |net| !net.manager.connected(main));
    assert!(detected, "{case}: the client notices the outage");
    let disconnects = net.client(|event| match event {
        Event::Disconnect { reason, .. } => Some(*reason),
        _ => None,
    });
    match outage {
        Outage::Partition => {
            assert_eq!(disconnects, [(net.now, DisconnectReason::PingTimeout)], "{case}");
            assert!(net.now <= cut + Duration::from_secs(25 + 20), "{case}: within pingInterval + pingTimeout");
        }
        Outage::ServerDown => {
            // The reference: a closed WebSocket is "transport close", a failed poll "transport error".
            let reason = if transports == [TransportKind::Polling] {
                DisconnectReason::TransportError
            } else {
                DisconnectReason::TransportClose
            };
            assert_eq!(disconnects, [(cut, reason)], "{case}: noticed at once");
        }
    }

    for index in 0..20 {
        let now = net.now;
        net.manager.emit(now, main, "buffered", args(&(index,)), EmitOptions::default()).unwrap();
    }
    net.settle();
    assert!(server_events(&net, "buffered").is_empty(), "{case}: nothing crosses the outage");

    net.advance_until(cut + length, |_| false);
    net.now = net.now.max(cut + length);
    net.link = Link::Up;
    let back = net.now;
    let reconnected = net.advance_until(back + Duration::from_secs(120), |net| net.manager.connected(main));
    assert!(reconnected, "{case}: the manager reconnects by itself");
    net.advance(Duration::from_secs(1));

    // Every attempt waited the backoff delay drawn from the random number
    // fed just before it.
    let attempts = net.client(|event| match event {
        Event::ReconnectAttempt { attempt } => Some(*attempt),
        _ => None,
    });
    assert!(!attempts.is_empty());
    assert_eq!(net.randoms.len(), attempts.len(), "{case}: one random number per attempt");
    for (index, ((at, attempt), (asked, random))) in attempts.iter().zip(&net.randoms).enumerate() {
        assert_eq!(*attempt as usize, index + 1, "{case}: attempts count from 1");
        assert_eq!(*at, *asked + backo2_delay(index as u32, *random), "{case}: delay of attempt {attempt}");
    }
    let last = attempts.len() as u32;
    let reconnects = net.client(|event| match event {
        Event::Reconnect { attempt } => Some(*attempt),
        _ => None,
    });
    assert_eq!(reconnects.iter().map(|(_, attempt)| *attempt).collect::<Vec<_>>(), [last], "{case}");
    assert!(reconnects[0].0 >= back, "{case}: no attempt succeeds during the outage");
    let errors = net.client(|event| matches!(event, Event::ReconnectError { .. }).then_some(()));
    assert_eq!(errors.len(), attempts.len() - 1, "{case}: every earlier attempt failed");

    // The buffered emits arrive once each, in order, on the new connection,
    // after its namespace CONNECT.
    let connection = *net.live_ordinals().iter().max().unwrap();
    assert!(connection >= 1, "{case}: the reconnection opened a new server connection");
    let delivered = server_events(&net, "buffered");
    let expected: Vec<_> = (0..20).map(|index| (connection, "/".to_owned(), index.to_string())).collect();
    let delivered: Vec<_> = delivered.into_iter().map(|(_, c, ns, json)| (c, ns, json)).collect();
    assert_eq!(delivered, expected, "{case}");
    let records = &net.server_records;
    let connected = |record: &&simulation_support::ServerRecord| {
        record.connection == connection && matches!(record.output, ServerOutput::Connected { .. })
    };
    let joined_at = records.iter().position(|record| connected(&record)).expect("the namespace joined");
    let first_delivery = records
        .iter()
        .position(
            |record| matches!(&record.output, ServerOutput::Event { event, .. } if event.name.as_str() == "buffered"),
        )
        .unwrap();
    assert!(joined_at < first_delivery, "{case}: CONNECT comes first");
    if outage == Outage::Partition {
        let left = net.server(|output| match output {
            ServerOutput::Disconnected { reason, .. } => Some(*reason),
            _ => None,
        });
        let left: Vec<_> = left.into_iter().map(|(_, connection, reason)| (connection, reason)).collect();
        assert_eq!(left, [(0, ServerDisconnectReason::PingTimeout)], "{case}: the server notices by heartbeat");
    }
    let transport = net.manager.engine().map(|(_, engine)| engine.transport());
    assert_eq!(transport, transports.last().copied(), "{case}: the new session upgrades as the first did");
    OutageRun { simulated: net.now - begin, attempts: attempts.len() }
}

#[test]
fn emits_buffered_during_a_partition_arrive_once_in_order_after_the_automatic_reconnection() {
    let run = buffered_emits_survive_an_outage(1, Outage::Partition, Duration::from_secs(90), ManagerConfig::default());
    assert!(run.attempts >= 2, "attempts fail while the partition lasts");
}

#[test]
fn emits_buffered_while_the_server_is_down_arrive_once_in_order_after_it_comes_back() {
    let run =
        buffered_emits_survive_an_outage(1, Outage::ServerDown, Duration::from_secs(30), ManagerConfig::default());
    assert!(run.attempts >= 5, "refused attempts back off up to the 5 s cap");
}

#[test]
fn buffered_emits_arrive_exactly_once_in_order_for_many_seeds_and_outage_lengths() {
    let mut simulated = Duration::ZERO;
    for seed in 2..=13u64 {
        let outage = if seed % 3 == 0 { Outage::ServerDown } else { Outage::Partition };
        let length = Duration::from_millis(50_000 + (seed * 37_417) % 150_000);
        let config = if seed % 2 == 0 { polling_only() } else { ManagerConfig::default() };
        simulated += buffered_emits_survive_an_outage(seed, outage, length, config).simulated;
    }
    assert!(simulated > Duration::from_secs(12 * 50));
}

#[test]
fn retried_emit_reaches_the_server_until_acknowledged_and_resolves_once() {
    let mut config = ManagerConfig::default();
    config.retries = 3;
    config.ack_timeout = Some(Duration::from_secs(2));
    let (mut net, sockets) = joined(config, &["/"]);
    let main = sockets[0];
    net.drop_echo_acks = 2;
    let start = net.now;
    let token = net.manager.emit(start, main, "echo", args(&("once",)), EmitOptions::with_ack()).unwrap().unwrap();
    net.advance(Duration::from_secs(30));

    let deliveries: Vec<_> = server_events(&net, "echo").into_iter().map(|(at, _, _, json)| (at, json)).collect();
    let second = Duration::from_secs(2);
    assert_eq!(
        deliveries,
        [(start, r#""once""#.into()), (start + second, r#""once""#.into()), (start + second * 2, r#""once""#.into())],
        "sent again after each ack timeout, at least once"
    );
    let acks = acks_received(&net);
    assert_eq!(acks.len(), 1, "exactly one outcome");
    assert_eq!((acks[0].0, acks[0].2, acks[0].3.clone()), (start + second * 2, token, args(&("once",))));
    assert!(acks_failed(&net).is_empty());
}

#[test]
fn emit_fails_once_when_its_retries_are_exhausted() {
    let mut config = ManagerConfig::default();
    config.retries = 3;
    config.ack_timeout = Some(Duration::from_secs(2));
    let (mut net, sockets) = joined(config, &["/"]);
    let main = sockets[0];
    net.drop_echo_acks = usize::MAX;
    let start = net.now;
    let token = net.manager.emit(start, main, "echo", args(&("never",)), EmitOptions::with_ack()).unwrap().unwrap();
    net.advance(Duration::from_secs(60));

    let second = Duration::from_secs(2);
    let deliveries: Vec<_> = server_events(&net, "echo").into_iter().map(|(at, ..)| at).collect();
    assert_eq!(
        deliveries,
        [start, start + second, start + second * 2, start + second * 3],
        "the first try and 3 retries"
    );
    assert_eq!(acks_failed(&net), [(start + second * 4, token, AckError::TimedOut)]);
    assert!(acks_received(&net).is_empty());
    assert!(net.manager.connected(main));
}

#[test]
fn every_active_namespace_rejoins_the_new_connection_after_an_outage_and_a_refused_one_stays_out() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/", "/admin", "/private"]);
    let [main, admin, private] = sockets[..] else { unreachable!() };
    let first_ids = (net.manager.id(main).map(str::to_owned), net.manager.id(admin).map(str::to_owned));
    net.kill_server();
    let now = net.now;
    net.manager.emit(now, main, "buffered", args(&("main",)), EmitOptions::default()).unwrap();
    net.manager.emit(now, admin, "buffered", args(&("admin",)), EmitOptions::default()).unwrap();
    net.advance(Duration::from_secs(10));
    net.link = Link::Up;
    let back = net.now;
    let rejoined = net.advance_until(back + Duration::from_secs(30), |net| {
        net.manager.connected(main) && net.manager.connected(admin)
    });
    assert!(rejoined, "both namespaces rejoin by themselves");
    net.advance(Duration::from_secs(1));

    assert!(!net.manager.connected(private) && !net.manager.active(private), "a refused namespace is not retried");
    let requests = net.server(|output| match output {
        ServerOutput::ConnectRequest { namespace, .. } => Some(namespace.as_str().to_owned()),
        _ => None,
    });
    let second: Vec<_> =
        requests.iter().filter(|(_, connection, _)| *connection == 1).map(|(_, _, ns)| ns.as_str()).collect();
    assert_eq!(second, ["/", "/admin"], "the new connection carries both namespaces, and only them");
    assert_eq!(net.connections_created, 2);
    let delivered: Vec<_> = server_events(&net, "buffered").into_iter().map(|(_, c, ns, json)| (c, ns, json)).collect();
    assert_eq!(delivered, [(1, "/".into(), r#""main""#.into()), (1, "/admin".into(), r#""admin""#.into())]);
    let new_ids = (net.manager.id(main).map(str::to_owned), net.manager.id(admin).map(str::to_owned));
    assert!(new_ids.0.is_some() && new_ids.1.is_some());
    assert!(new_ids.0 != first_ids.0 && new_ids.1 != first_ids.1, "without recovery, new socket ids");
}

#[test]
fn queued_emit_lost_in_a_partition_is_sent_again_after_the_reconnection_and_acknowledged_once() {
    let mut config = ManagerConfig::default();
    config.retries = 3;
    let (mut net, sockets) = joined(config, &["/"]);
    let main = sockets[0];
    net.link = Link::Partitioned;
    let cut = net.now;
    let token = net.manager.emit(cut, main, "echo", args(&("lost once",)), EmitOptions::with_ack()).unwrap().unwrap();
    net.advance(Duration::from_secs(60));
    assert!(!net.manager.connected(main));
    assert!(acks_failed(&net).is_empty(), "the disconnection is one more failed try, not the end");
    net.link = Link::Up;
    let back = net.now;
    assert!(net.advance_until(back + Duration::from_secs(30), |net| net.manager.connected(main)));
    net.advance(Duration::from_secs(1));

    let deliveries: Vec<_> = server_events(&net, "echo").into_iter().map(|(_, c, _, json)| (c, json)).collect();
    assert_eq!(deliveries, [(1, r#""lost once""#.into())], "the copy sent into the partition never arrived");
    let acks: Vec<_> = acks_received(&net).into_iter().map(|(_, _, token, args)| (token, args)).collect();
    assert_eq!(acks, [(token, args(&("lost once",)))]);
    assert!(acks_failed(&net).is_empty());
}

#[test]
fn late_ack_of_a_timed_out_try_is_ignored_and_the_emit_resolves_once() {
    let mut config = ManagerConfig::default();
    config.retries = 3;
    config.ack_timeout = Some(Duration::from_secs(2));
    let (mut net, sockets) = joined(config, &["/"]);
    let main = sockets[0];
    net.echo_delay = Duration::from_secs(3);
    let start = net.now;
    let token = net.manager.emit(start, main, "echo", args(&("slow",)), EmitOptions::with_ack()).unwrap().unwrap();
    net.advance(Duration::from_secs(30));

    // Try 1 at 0 s times out at 2 s; its answer comes at 3 s, while try 2
    // (sent at 2 s, answered at 5 s) waits until 4 s: every try times out.
    let second = Duration::from_secs(2);
    let deliveries: Vec<_> = server_events(&net, "echo").into_iter().map(|(at, ..)| at).collect();
    assert_eq!(deliveries, [start, start + second, start + second * 2, start + second * 3]);
    assert_eq!(acks_failed(&net), [(start + second * 4, token, AckError::TimedOut)]);
    assert!(acks_received(&net).is_empty(), "answers to timed-out tries resolve nothing");

    net.echo_delay = Duration::from_secs(1);
    let again = net.now;
    let token = net.manager.emit(again, main, "echo", args(&("quick",)), EmitOptions::with_ack()).unwrap().unwrap();
    net.advance(Duration::from_secs(30));
    let acks: Vec<_> = acks_received(&net).into_iter().map(|(at, _, token, _)| (at, token)).collect();
    assert_eq!(acks, [(again + Duration::from_secs(1), token)]);
}

#[test]
fn buffered_emit_whose_ack_times_out_before_the_reconnection_is_never_sent() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/"]);
    let main = sockets[0];
    net.kill_server();
    let now = net.now;
    let expired =
        net.manager.emit(now, main, "echo", args(&("expired",)), with_ack_within(Duration::from_millis(300))).unwrap();
    let kept = net.manager.emit(now, main, "echo", args(&("kept",)), with_ack_within(Duration::from_secs(60))).unwrap();
    let volatile = EmitOptions { volatile: true, ..EmitOptions::default() };
    net.manager.emit(now, main, "echo", args(&("volatile",)), volatile).unwrap();
    net.advance(Duration::from_secs(5));
    net.link = Link::Up;
    let back = net.now;
    assert!(net.advance_until(back + Duration::from_secs(30), |net| net.manager.connected(main)));
    net.advance(Duration::from_secs(1));

    let deliveries: Vec<_> = server_events(&net, "echo").into_iter().map(|(.., json)| json).collect();
    assert_eq!(deliveries, [r#""kept""#], "the expired and the volatile emits are dropped");
    let failed: Vec<_> = acks_failed(&net).into_iter().map(|(at, token, error)| (at, Some(token), error)).collect();
    assert_eq!(failed, [(now + Duration::from_millis(300), expired, AckError::TimedOut)]);
    let received: Vec<_> = acks_received(&net).into_iter().map(|(_, _, token, _)| Some(token)).collect();
    assert_eq!(received, [kept]);
}

#[test]
fn protocol_v4_over_engine_io_v3_carries_namespaces_acks_binary_and_buffers_across_an_outage() {
    let config = ManagerConfig::new(ClientConfig::new(engineio_proto::ProtocolVersion::V3));
    let mut net = Net::unsettled(config, EngineServerConfig::default().with_eio3(true), 1);
    let now = net.now;
    let main = net.manager.socket(now, "/", None);
    let admin = net.manager.socket(now, "/admin", None);
    let private = net.manager.socket(now, "/private", None);
    net.settle();
    assert!(net.manager.connected(main) && net.manager.connected(admin));
    let refusals = net.client(|event| match event {
        Event::ConnectError { socket, message, .. } => Some((*socket, message.clone())),
        _ => None,
    });
    assert_eq!(
        refusals.into_iter().map(|(_, refusal)| refusal).collect::<Vec<_>>(),
        [(private, PRIVATE_REFUSAL.into())]
    );

    let blob = Bytes::from_static(&[4, 0x1e, 0]);
    let now = net.now;
    let with_blob = ArgsBuilder::new().binary(blob.clone()).build();
    let token = net.manager.emit(now, admin, "echo", with_blob.clone(), EmitOptions::with_ack()).unwrap().unwrap();
    let question = net.connection(0).unwrap().emit_with_ack(now, "/", "question", args(&(1,)), None).unwrap();
    net.settle();
    let acks: Vec<_> = acks_received(&net).into_iter().map(|(_, socket, token, args)| (socket, token, args)).collect();
    assert_eq!(acks, [(admin, token, with_blob)]);
    let asked = net.client(|event| match event {
        Event::Received { socket, event } if event.name.as_str() == "question" => Some((*socket, event.ack_id)),
        _ => None,
    });
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1 .0, main);
    net.manager.ack(now, main, asked[0].1 .1.unwrap(), args(&("yes",)));
    net.settle();
    let answered = net.server(|output| match output {
        ServerOutput::AckReceived { namespace, token, args } => {
            Some((namespace.as_str().to_owned(), *token, args.clone()))
        }
        _ => None,
    });
    let answered: Vec<_> = answered.into_iter().map(|(.., answer)| answer).collect();
    assert_eq!(answered, [("/".to_owned(), question, args(&("yes",)))]);

    net.kill_server();
    let now = net.now;
    for index in 0..5 {
        net.manager.emit(now, main, "buffered", args(&(index,)), EmitOptions::default()).unwrap();
    }
    net.advance(Duration::from_secs(10));
    net.link = Link::Up;
    let back = net.now;
    assert!(net.advance_until(back + Duration::from_secs(30), |net| net.manager.connected(main)
        && net.manager.connected(admin)));
    net.advance(Duration::from_secs(1));
    let delivered: Vec<_> = server_events(&net, "buffered").into_iter().map(|(_, c, _, json)| (c, json)).collect();
    assert_eq!(delivered, (0..5).map(|index| (1, index.to_string())).collect::<Vec<_>>());
}

#[test]
fn leaving_and_rejoining_a_namespace_keeps_the_engine_connection() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/", "/admin"]);
    let [main, admin] = sockets[..] else { unreachable!() };
    let now = net.now;
    net.manager.disconnect(now, admin);
    net.settle();
    assert!(!net.manager.connected(admin) && net.manager.connected(main));
    let left = net.server(|output| match output {
        ServerOutput::Disconnected { namespace, reason, .. } => Some((namespace.as_str().to_owned(), *reason)),
        _ => None,
    });
    let left: Vec<_> = left.into_iter().map(|(.., left)| left).collect();
    assert_eq!(left, [("/admin".to_owned(), ServerDisconnectReason::ClientNamespaceDisconnect)]);

    let now = net.now;
    assert_eq!(net.manager.socket(now, "/admin", None), admin, "the same socket, connecting again");
    net.manager.emit(now, admin, "echo", args(&("back",)), EmitOptions::with_ack()).unwrap();
    net.settle();
    assert!(net.manager.connected(admin));
    assert_eq!(acks_received(&net).len(), 1);
    let requests = net.server(|output| match output {
        ServerOutput::ConnectRequest { namespace, .. } => Some(namespace.as_str().to_owned()),
        _ => None,
    });
    let requests: Vec<_> = requests.into_iter().map(|(_, connection, ns)| (connection, ns)).collect();
    assert_eq!(requests, [(0, "/".into()), (0, "/admin".into()), (0, "/admin".into())]);
    assert_eq!(net.connections_created, 1);
}

#[test]
fn server_disconnecting_the_only_namespace_closes_the_client_connection_for_good() {
    let (mut net, sockets) = joined(ManagerConfig::default(), &["/"]);
    let main = sockets[0];
    let now = net.now;
    net.connection(0).unwrap().disconnect(now, "/").unwrap();
    net.advance(Duration::from_secs(120));

    let disconnects = net.client(|event| match event {
        Event::Disconnect { reason, .. } => Some(*reason),
        _ => None,
    });
    assert_eq!(disconnects, [(now, DisconnectReason::IoServerDisconnect)]);
    assert!(!net.manager.active(main));
    assert!(net.client(|event| matches!(event, Event::ReconnectAttempt { .. }).then_some(())).is_empty());
    assert_eq!(net.live_connections(), 0, "with no active socket left the client closes the engine connection");
    let closed = net.server(|output| match output {
        ServerOutput::Closed(reason) => Some(*reason),
        _ => None,
    });
    assert_eq!(closed, [(now, 0, engineio_proto::server::CloseReason::TransportClose)]);
    assert_eq!(net.connections_created, 1);
}

/// A settled network with connection state recovery on, the client joined to
/// `/` and having received one broadcast (so it holds a pid and an offset).
fn recovering_client(seed: u64) -> (Net, SocketHandle, String) {
    let mut net = Net::unsettled(ManagerConfig::default(), EngineServerConfig::default(), seed);
    net.enable_recovery(RecoveryConfig::default());
    let now = net.now;
    let main = net.manager.socket(now, "/", None);
    net.settle();
    assert!(net.manager.connected(main));
    assert!(!net.manager.recovered(main), "a first connection recovers nothing");
    net.broadcast("/", "news", args(&(0,)));
    net.settle();
    assert_eq!(news(&net), [0]);
    let id = net.manager.id(main).expect("connected").to_owned();
    (net, main, id)
}

/// The numbers of the `news` broadcasts the client received, in order (the
/// server appends the recovery offset as the last argument).
fn news(net: &Net) -> Vec<u32> {
    let received = net.client(|event| match event {
        Event::Received { event, .. } if event.name.as_str() == "news" => event.args::<(u32, String)>().ok(),
        _ => None,
    });
    received.into_iter().map(|(_, (number, _offset))| number).collect()
}

/// The auth of every CONNECT for `/` the server saw, as JSON text.
fn connect_auths(net: &Net) -> Vec<Option<String>> {
    let requests = net.server(|output| match output {
        ServerOutput::ConnectRequest { auth, .. } => Some(auth.as_ref().map(|auth| auth.as_str().to_owned())),
        _ => None,
    });
    requests.into_iter().map(|(.., auth)| auth).collect()
}

/// The `/` sockets the server admitted: (connection, socket id, recovered).
fn admitted(net: &Net) -> Vec<(usize, String, bool)> {
    let connected = net.server(|output| match output {
        ServerOutput::Connected { socket_id, recovered, .. } => Some((socket_id.as_str().to_owned(), *recovered)),
        _ => None,
    });
    connected.into_iter().map(|(_, connection, (id, recovered))| (connection, id, recovered)).collect()
}

#[test]
fn recovered_socket_gets_the_broadcasts_it_missed_after_a_transport_close_and_keeps_its_id() {
    let (mut net, main, first_id) = recovering_client(1);
    net.drop_websockets();
    assert!(!net.manager.connected(main));
    let left = net.server(|output| match output {
        ServerOutput::Disconnected { reason, .. } => Some(*reason),
        _ => None,
    });
    assert_eq!(
        left.into_iter().map(|(.., reason)| reason).collect::<Vec<_>>(),
        [ServerDisconnectReason::TransportClose]
    );
    for number in 1..=3 {
        net.broadcast("/", "news", args(&(number,)));
    }
    net.settle();
    assert_eq!(news(&net), [0], "nobody is connected to receive them");

    let back = net.now;
    assert!(net.advance_until(back + Duration::from_secs(30), |net| net.manager.connected(main)));
    net.advance(Duration::from_secs(1));
    assert_eq!(news(&net), [0, 1, 2, 3], "the missed broadcasts, once each, in order");
    assert!(net.manager.recovered(main));
    assert_eq!(net.manager.id(main), Some(first_id.as_str()), "the same socket id");
    assert_eq!(admitted(&net), [(0, first_id.clone(), false), (1, first_id, true)]);
    let auths = connect_auths(&net);
    let retry_auth = auths.get(1).cloned().flatten().expect("the reconnection's CONNECT carries auth");
    assert!(retry_auth.contains("\"pid\"") && retry_auth.contains("\"offset\""), "auth: {retry_auth}");
    // The missed packets come before the CONNECT reply, so the application
    // sees them before `connect`, as the reference orders them.
    let order: Vec<_> = net
        .client_events
        .iter()
        .filter_map(|(_, event)| match event {
            Event::Received { .. } => Some("news"),
            Event::Connect { .. } => Some("connect"),
            _ => None,
        })
        .collect();
    assert_eq!(order, ["connect", "news", "news", "news", "news", "connect"]);

    net.broadcast("/", "news", args(&(4,)));
    net.settle();
    assert_eq!(news(&net), [0, 1, 2, 3, 4], "the recovered socket is in the namespace again");
}

/// Partitions a recovering client for `length`, broadcasting 3 events once
/// the server has noticed, then heals and waits for the reconnection.
fn partition_a_recovering_client(seed: u64, length: Duration, missed: u32) -> (Net, SocketHandle, String) {
    let (mut net, main, first_id) = recovering_client(seed);
    net.link = Link::Partitioned;
    let cut = net.now;
    let server_noticed = net.advance_until(cut + Duration::from_secs(60), |net| net.live_connections() == 0);
    assert!(server_noticed, "the server closes the silent connection by heartbeat");
    for number in 1..=missed {
        net.broadcast("/", "news", args(&(number,)));
    }
    net.advance_until(cut + length, |_| false);
    net.now = net.now.max(cut + length);
    net.link = Link::Up;
    let back = net.now;
    assert!(net.advance_until(back + Duration::from_secs(60), |net| net.manager.connected(main)));
    net.advance(Duration::from_secs(1));
    (net, main, first_id)
}

#[test]
fn recovered_socket_gets_the_broadcasts_it_missed_during_a_partition_shorter_than_the_window() {
    let (net, main, first_id) = partition_a_recovering_client(1, Duration::from_secs(90), 3);
    assert_eq!(news(&net), [0, 1, 2, 3]);
    assert!(net.manager.recovered(main));
    assert_eq!(net.manager.id(main), Some(first_id.as_str()));
    assert_eq!(admitted(&net).last().map(|(_, id, recovered)| (id.clone(), *recovered)), Some((first_id, true)));
}

#[test]
fn reconnecting_after_more_than_120_s_starts_a_new_session_without_the_missed_broadcasts() {
    let (net, main, first_id) = partition_a_recovering_client(1, Duration::from_secs(200), 3);
    assert_eq!(news(&net), [0], "the missed broadcasts expired with the session");
    assert!(!net.manager.recovered(main));
    let id = net.manager.id(main).expect("connected").to_owned();
    assert_ne!(id, first_id, "a new socket id");
    assert_eq!(admitted(&net).last().map(|(_, id, recovered)| (id.clone(), *recovered)), Some((id, false)));
    let auths = connect_auths(&net);
    assert!(auths.last().cloned().flatten().is_some_and(|auth| auth.contains("\"pid\"")), "the client did ask");
}

#[test]
fn recovery_succeeds_exactly_when_the_reconnection_comes_within_the_window_for_many_seeds() {
    let mut outcomes = Vec::new();
    for seed in 1..=12u64 {
        let length = Duration::from_millis(50_000 + (seed * 48_611) % 200_000);
        let missed = 1 + (seed % 5) as u32;
        let (net, main, first_id) = partition_a_recovering_client(seed, length, missed);
        let case = format!("seed {seed}, partition of {length:?}, {missed} missed");
        let noticed = net.server(|output| matches!(output, ServerOutput::Disconnected { .. }).then_some(()));
        let rejoined = net.server(|output| matches!(output, ServerOutput::Connected { .. }).then_some(()));
        let last_seen = net.client(|event| matches!(event, Event::Received { .. }).then_some(()))[0].0;
        let rejoined = rejoined.last().unwrap().0;
        // As in the reference, both the session (kept from the disconnection)
        // and the last packet the client saw (kept from its broadcast) must
        // still be stored: the offset names that packet.
        let (since_noticed, since_seen) = (rejoined - noticed[0].0, rejoined - last_seen);
        let window = Duration::from_secs(120);
        let expect_recovery = since_noticed < window && since_seen < window;
        let timing =
            format!("rejoined {since_noticed:?} after the server noticed, {since_seen:?} after the last packet");
        assert_eq!(net.manager.recovered(main), expect_recovery, "{case}: {timing}");
        let expected_news: Vec<u32> = if expect_recovery { (0..=missed).collect() } else { vec![0] };
        assert_eq!(news(&net), expected_news, "{case}: exactly once, in order");
        assert_eq!(net.manager.id(main) == Some(first_id.as_str()), expect_recovery, "{case}");
        outcomes.push(expect_recovery);
    }
    assert!(outcomes.contains(&true) && outcomes.contains(&false), "both sides of the window are exercised");
}
