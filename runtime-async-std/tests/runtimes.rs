//! The one scenario suite (`tests/scenarios/`), run on every runtime build:
//! tokio (`runtime_tokio::tokio`), smol and async-std (this crate), in the
//! server role against the npm `engine.io-client` (Engine.IO), the npm
//! `socket.io-client` and python-socketio (Socket.IO), in the
//! client role against
//! the npm `socket.io` server, and in cross-runtime pairs (a Rust client on
//! one runtime against a Rust server on another). Test names read
//! `<runtime or pair>::<scenario>::<transport mode>`.
//!
//! Needs `npm ci --prefix interop` and
//! `python3 -m pip install -r interop/python/requirements.txt`
//! (scripts/test-all.sh does both).

mod scenarios;

/// `mod $scenario { #[test] fn $mode() … }`: the scenario function `$call`
/// over each transport mode, the test body run on `$executor`.
macro_rules! scenario {
    ($scenario:ident = $call:path, on $executor:ty : $($mode:ident),+) => {
        mod $scenario {
            $(
                #[test]
                fn $mode() {
                    <$executor as $crate::scenarios::RuntimeUnderTest>::block_on($call(stringify!($mode)));
                }
            )+
        }
    };
}

/// Every server-role and client-role scenario on one runtime.
macro_rules! every_role_on {
    ($name:ident, $runtime:ty) => {
        mod $name {
            scenario!(engine_client_gets_text_and_binary_echoes =
                $crate::scenarios::engine::engine_client_gets_text_and_binary_echoes::<$runtime>,
                on $runtime: polling, websocket, upgrade);
            scenario!(engine_io_v3_client_gets_text_and_binary_echoes =
                $crate::scenarios::engine::engine_io_v3_client_gets_text_and_binary_echoes::<$runtime>,
                on $runtime: upgrade);
            scenario!(second_websocket_of_an_upgraded_session_opens_and_is_closed =
                $crate::scenarios::engine::second_websocket_of_an_upgraded_session_opens_and_is_closed::<$runtime>,
                on $runtime: eio4, eio3);
            scenario!(node_client_gets_events_acks_binary_namespaces_and_refusals =
                $crate::scenarios::server::node_client_gets_events_acks_binary_namespaces_and_refusals::<$runtime>,
                on $runtime: polling, websocket, upgrade);
            scenario!(recovering_client_gets_its_socket_and_the_missed_events_back =
                $crate::scenarios::recovery::recovering_client_gets_its_socket_and_the_missed_events_back::<$runtime>,
                on $runtime: websocket);
            scenario!(python_client_gets_acks_binary_and_server_events =
                $crate::scenarios::python::python_client_gets_acks_binary_and_server_events::<$runtime>,
                on $runtime: polling, websocket);
            scenario!(client_exchanges_events_and_acks_with_the_node_server =
                $crate::scenarios::client::client_exchanges_events_and_acks_with_the_node_server::<$runtime>,
                on $runtime: polling, websocket, upgrade);
            scenario!(emits_while_the_server_is_down_arrive_once_in_order_after_restart =
                $crate::scenarios::client::emits_while_the_server_is_down_arrive_once_in_order_after_restart::<$runtime>,
                on $runtime: polling, websocket, upgrade);
            scenario!(client_in_v2_mode_takes_go_socketio_frames =
                $crate::scenarios::client::client_in_v2_mode_takes_go_socketio_frames::<$runtime>,
                on $runtime: websocket);
            scenario!(client_in_v2_mode_sends_its_auth_where_a_v2_client_sends_its_query =
                $crate::scenarios::client::client_in_v2_mode_sends_its_auth_where_a_v2_client_sends_its_query::<$runtime>,
                on $runtime: polling, websocket);
        }
    };
}

every_role_on!(tokio, crate::scenarios::Tokio);
every_role_on!(smol, crate::scenarios::Smol);
every_role_on!(async_std, crate::scenarios::AsyncStd);

/// The pair scenario with the client on `$client` and the server on `$server`.
macro_rules! pair {
    ($name:ident, $client:ty, $server:ty) => {
        mod $name {
            scenario!(client_and_server_exchange_events_and_acks =
                $crate::scenarios::pairs::client_and_server_exchange_events_and_acks::<$client, $server>,
                on $server: polling, websocket, upgrade);
        }
    };
}

pair!(tokio_client_smol_server, crate::scenarios::Tokio, crate::scenarios::Smol);
pair!(tokio_client_async_std_server, crate::scenarios::Tokio, crate::scenarios::AsyncStd);
pair!(smol_client_tokio_server, crate::scenarios::Smol, crate::scenarios::Tokio);
pair!(smol_client_async_std_server, crate::scenarios::Smol, crate::scenarios::AsyncStd);
pair!(async_std_client_tokio_server, crate::scenarios::AsyncStd, crate::scenarios::Tokio);
pair!(async_std_client_smol_server, crate::scenarios::AsyncStd, crate::scenarios::Smol);
pair!(tokio_client_tokio_server, crate::scenarios::Tokio, crate::scenarios::Tokio);
pair!(smol_client_smol_server, crate::scenarios::Smol, crate::scenarios::Smol);
pair!(async_std_client_async_std_server, crate::scenarios::AsyncStd, crate::scenarios::AsyncStd);
