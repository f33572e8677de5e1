//! HTTP compression of polling answers (the reference `httpCompression`):
//! which answers qualify and which coding the client's `Accept-Encoding` picks.

use bytes::Bytes;
use engineio_proto::server::{ContentEncoding, Response};

const THRESHOLD: Option<usize> = Some(1024);

fn payload(len: usize) -> Response {
    Response {
        status: 200,
        content_type: Some("text/plain; charset=UTF-8"),
        body: Bytes::from(vec![b'x'; len]),
        compressible: true,
    }
}

fn negotiate(accept_encoding: &str, response: &Response) -> Option<ContentEncoding> {
    ContentEncoding::negotiate(Some(accept_encoding), response, THRESHOLD)
}

#[test]
fn a_large_payload_is_gzipped_for_a_client_that_accepts_gzip() {
    assert_eq!(negotiate("gzip, deflate, br", &payload(2000)), Some(ContentEncoding::Gzip));
}

#[test]
fn a_payload_under_the_threshold_is_sent_as_is() {
    assert_eq!(negotiate("gzip", &payload(1023)), None);
    assert_eq!(negotiate("gzip", &payload(1024)), Some(ContentEncoding::Gzip));
}

#[test]
fn no_accept_encoding_means_no_compression() {
    assert_eq!(ContentEncoding::negotiate(None, &payload(5000), THRESHOLD), None);
    assert_eq!(negotiate("br, identity", &payload(5000)), None);
}

#[test]
fn compression_can_be_turned_off() {
    assert_eq!(ContentEncoding::negotiate(Some("gzip"), &payload(5000), None), None);
}

#[test]
fn an_answer_of_uncompressed_packets_is_sent_as_is() {
    let mut response = payload(5000);
    response.compressible = false;
    assert_eq!(negotiate("gzip", &response), None);
}

#[test]
fn error_answers_are_never_compressed() {
    let mut response = payload(5000);
    response.status = 400;
    assert_eq!(negotiate("gzip", &response), None);
}

#[test]
fn the_coding_with_the_highest_quality_wins() {
    assert_eq!(negotiate("gzip;q=0.5, deflate;q=0.8", &payload(2000)), Some(ContentEncoding::Deflate));
    assert_eq!(negotiate("deflate, gzip", &payload(2000)), Some(ContentEncoding::Gzip), "gzip on a tie");
}

#[test]
fn a_coding_with_quality_zero_is_refused() {
    assert_eq!(negotiate("gzip;q=0, deflate", &payload(2000)), Some(ContentEncoding::Deflate));
    assert_eq!(negotiate("gzip;q=0", &payload(2000)), None);
    assert_eq!(negotiate("*;q=0", &payload(2000)), None);
}

#[test]
fn a_wildcard_accepts_gzip() {
    assert_eq!(negotiate("*", &payload(2000)), Some(ContentEncoding::Gzip));
}

#[test]
fn malformed_qualities_count_as_refusals() {
    assert_eq!(negotiate("gzip;q=abc", &payload(2000)), None);
    assert_eq!(negotiate("gzip;q=2", &payload(2000)), None);
}
