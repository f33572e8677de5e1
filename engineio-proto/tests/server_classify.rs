//! Request classification and the reference error answers (protocol notes §1.9,
//! engine.io `Server.verify()` / `handshake()` / `abortRequest()`).

use engineio_proto::server::{
    classify, ErrorCode, ErrorResponse, Handshake, Method, Route, ServerConfig, SessionRequest,
};
use engineio_proto::{ProtocolVersion, Sid, TransportKind};

fn route(method: Method, query: &str, upgrade: bool) -> Route {
    classify(&ServerConfig::default(), method, query, upgrade)
}

fn rejection(route: Route) -> ErrorResponse {
    match route {
        Route::Reject(error) => error,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn assert_rejected(route: Route, status: u16, body: &str) {
    let error = rejection(route);
    let response = error.to_response();
    assert_eq!(response.status, status);
    assert_eq!(response.content_type, Some("application/json"));
    assert_eq!(std::str::from_utf8(&response.body).unwrap(), body);
}

#[test]
fn polling_handshake_is_a_get_with_eio_4_and_transport_polling() {
    assert_eq!(
        route(Method::Get, "EIO=4&transport=polling&t=N8hyd6w", false),
        Route::Handshake(Handshake {
            protocol: ProtocolVersion::V4,
            transport: TransportKind::Polling,
            supports_binary: true
        })
    );
}

#[test]
fn websocket_handshake_needs_the_upgrade_header() {
    assert!(matches!(
        route(Method::Get, "EIO=4&transport=websocket", true),
        Route::Handshake(Handshake { transport: TransportKind::WebSocket, .. })
    ));
    assert_rejected(
        route(Method::Get, "EIO=4&transport=websocket", false),
        400,
        r#"{"code":3,"message":"Bad request"}"#,
    );
}

#[test]
fn missing_eio_is_an_unsupported_protocol_version() {
    assert_rejected(
        route(Method::Get, "transport=polling", false),
        400,
        r#"{"code":5,"message":"Unsupported protocol version"}"#,
    );
}

#[test]
fn unknown_eio_values_are_unsupported_protocol_versions() {
    for eio in ["abc", "5", "", "04"] {
        let error = rejection(route(Method::Get, &format!("EIO={eio}&transport=polling"), false));
        assert_eq!(error.code, ErrorCode::UnsupportedProtocolVersion, "EIO={eio}");
    }
}

#[test]
fn eio_3_is_refused_unless_allowed() {
    let error = rejection(route(Method::Get, "EIO=3&transport=polling", false));
    assert_eq!(error.code, ErrorCode::UnsupportedProtocolVersion);
    let config = ServerConfig::default().with_eio3(true);
    assert_eq!(
        classify(&config, Method::Get, "EIO=3&transport=polling", false),
        Route::Handshake(Handshake {
            protocol: ProtocolVersion::V3,
            transport: TransportKind::Polling,
            supports_binary: true
        })
    );
}

#[test]
fn b64_marks_a_v3_client_without_binary_support() {
    let config = ServerConfig::default().with_eio3(true);
    let Route::Handshake(handshake) = classify(&config, Method::Get, "EIO=3&transport=polling&b64=1", false) else {
        panic!("expected a handshake")
    };
    assert!(!handshake.supports_binary);
}

#[test]
fn missing_or_unknown_transport_is_transport_unknown() {
    let body = r#"{"code":0,"message":"Transport unknown"}"#;
    assert_rejected(route(Method::Get, "EIO=4", false), 400, body);
    assert_rejected(route(Method::Get, "EIO=4&transport=abc", false), 400, body);
}

#[test]
fn transport_is_checked_before_the_protocol_version() {
    let error = rejection(route(Method::Get, "transport=abc", false));
    assert_eq!(error.code, ErrorCode::UnknownTransport);
}

#[test]
fn a_disallowed_transport_is_transport_unknown() {
    let config = ServerConfig::default().with_websocket(false);
    let error = rejection(classify(&config, Method::Get, "EIO=4&transport=websocket", true));
    assert_eq!(error.code, ErrorCode::UnknownTransport);
    let config = ServerConfig::default().with_polling(false);
    let error = rejection(classify(&config, Method::Get, "EIO=4&transport=polling", false));
    assert_eq!(error.code, ErrorCode::UnknownTransport);
}

#[test]
fn post_or_put_without_sid_is_a_bad_handshake_method() {
    let body = r#"{"code":2,"message":"Bad handshake method"}"#;
    assert_rejected(route(Method::Post, "EIO=4&transport=polling", false), 400, body);
    assert_rejected(route(Method::Other, "EIO=4&transport=polling", false), 400, body);
}

#[test]
fn options_is_a_preflight_whatever_the_query() {
    assert_eq!(route(Method::Options, "", false), Route::Preflight);
    assert_eq!(route(Method::Options, "EIO=4&transport=polling&sid=x", false), Route::Preflight);
}

#[test]
fn requests_with_a_sid_go_to_the_existing_session() {
    let sid = Sid::new("abc");
    assert_eq!(
        route(Method::Get, "EIO=4&transport=polling&sid=abc", false),
        Route::Existing {
            sid: sid.clone(),
            request: SessionRequest::Poll,
            transport: TransportKind::Polling,
            protocol: ProtocolVersion::V4
        }
    );
    assert_eq!(
        route(Method::Post, "EIO=4&transport=polling&sid=abc", false),
        Route::Existing {
            sid: sid.clone(),
            request: SessionRequest::Post,
            transport: TransportKind::Polling,
            protocol: ProtocolVersion::V4
        }
    );
    assert_eq!(
        route(Method::Get, "EIO=4&transport=websocket&sid=abc", true),
        Route::Existing {
            sid,
            request: SessionRequest::WebSocket,
            transport: TransportKind::WebSocket,
            protocol: ProtocolVersion::V4
        }
    );
}

/// The reference's `computeProtocolRevision`: `"4"` is v4, all else v3; the
/// session compares it with its own (`Session::check_request`).
#[test]
fn a_session_request_names_v4_with_eio_4_and_v3_with_anything_else() {
    let protocol_of = |query: &str| match route(Method::Get, query, true) {
        Route::Existing { protocol, .. } => protocol,
        other => panic!("expected a session request, got {other:?}"),
    };
    assert_eq!(protocol_of("EIO=4&transport=websocket&sid=abc"), ProtocolVersion::V4);
    assert_eq!(protocol_of("EIO=3&transport=websocket&sid=abc"), ProtocolVersion::V3);
    assert_eq!(protocol_of("transport=websocket&sid=abc"), ProtocolVersion::V3);
    assert_eq!(protocol_of("EIO=5&transport=websocket&sid=abc"), ProtocolVersion::V3);
    assert_eq!(protocol_of("EIO=abc&transport=websocket&sid=abc"), ProtocolVersion::V3);
}

#[test]
fn an_empty_sid_is_a_handshake() {
    assert!(matches!(route(Method::Get, "EIO=4&transport=polling&sid=", false), Route::Handshake(_)));
}

#[test]
fn query_values_are_percent_decoded() {
    assert_eq!(
        route(Method::Get, "EIO=%34&transport=p%6Flling&sid=a%2Bb%3D%3D", false),
        Route::Existing {
            sid: Sid::new("a+b=="),
            request: SessionRequest::Poll,
            transport: TransportKind::Polling,
            protocol: ProtocolVersion::V4
        }
    );
}

#[test]
fn unknown_query_keys_are_ignored() {
    assert!(matches!(
        route(Method::Get, "token=s3cr%ZZet&EIO=4&x&transport=polling&t=abc&room=a+b", false),
        Route::Handshake(_)
    ));
}

#[test]
fn a_websocket_upgrade_naming_polling_is_a_bad_request() {
    let error = rejection(route(Method::Get, "EIO=4&transport=polling", true));
    assert_eq!(error.code, ErrorCode::BadRequest);
}

#[test]
fn forbidden_carries_the_hook_message_with_status_403() {
    assert_rejected(
        Route::Reject(ErrorResponse::forbidden("no \"token\"")),
        403,
        r#"{"code":4,"message":"no \"token\""}"#,
    );
    assert_rejected(Route::Reject(ErrorResponse::forbidden("")), 403, r#"{"code":4,"message":"Forbidden"}"#);
}

#[test]
fn unknown_sid_body_matches_the_reference() {
    assert_rejected(Route::Reject(ErrorResponse::unknown_sid()), 400, r#"{"code":1,"message":"Session ID unknown"}"#);
}
