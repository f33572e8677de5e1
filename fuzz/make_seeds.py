#!/usr/bin/env python3
"""Writes the seeds of the structured targets (server_session, client_session,
sio_packet_text, sio_decoder, sio_server, sio_client) into corpus/<target>/,
and the `real_*` seeds of every target from `traffic.jsonl`: the traffic of
the official JavaScript peers recorded by `capture_traffic.js` (bodies and
frames as they were, replayed to each target in its own input format).

The structured targets read their input with `arbitrary` 1.x (derive); this
script encodes the scenarios below in that byte format: integers little-endian
from the front, `bool` = low bit of a byte, an enum variant as a `u32` tag,
collections as a "keep going" byte before each element, and string lengths
taken from the END of the input (1, 2 or 4 bytes each, by how much input is
left when the length is read). Check a seed with
`RUST_LIBFUZZER_DEBUG_PATH=/dev/stdout target/<triple>/release/<target> corpus/<target>/<seed>`
or `cargo +nightly fuzz fmt <target> corpus/<target>/<seed>`.

Usage: python3 make_seeds.py  (from fuzz/)
"""

import os


class Enc:
    def __init__(self):
        self.front = bytearray()
        self.lengths = []  # string lengths, in the order they are read
        self.reads = []  # where the front stood when each length was read

    def u8(self, value):
        self.front.append(value)
        return self

    def bool(self, value):
        return self.u8(1 if value else 0)

    def u16(self, value):
        self.front += value.to_bytes(2, "little")
        return self

    def variant(self, index, count):
        tag = -(-(index << 32) // count)
        assert (tag * count) >> 32 == index
        self.front += tag.to_bytes(4, "little")
        return self

    def string(self, text):
        data = text.encode() if isinstance(text, str) else bytes(text)
        self.reads.append(len(self.front))
        self.front += data
        self.lengths.append(len(data))
        return self

    def seq(self, items, write):
        for item in items:
            self.u8(1)
            write(item)
        return self.u8(0)

    def byte_vec(self, values):
        return self.seq(values, self.u8)

    def option(self, value, write):
        self.bool(value is not None)
        if value is not None:
            write(value)
        return self

    def rest_string(self, text):
        self.front += text.encode()
        return self

    def finish(self):
        # `arbitrary` reads each length from the end of what is left, in 1, 2
        # or 4 big-endian bytes depending on how much is left then; find the
        # field sizes by iterating to a fixed point (a longer seed leaves more
        # at each read, so sizes only grow).
        sizes = [1] * len(self.lengths)
        while True:
            total = len(self.front) + sum(sizes)
            lefts = [total - position - sum(sizes[:index]) for index, position in enumerate(self.reads)]
            fitted = [1 if left <= 256 else 2 if left <= 65537 else 4 for left in lefts]
            if fitted == sizes:
                break
            sizes = fitted
        for left, length, size in zip(lefts, self.lengths, sizes):
            assert left >= 2 and length <= left - size, f"a string of {length} with {left} left"
        # The first length read takes the last bytes.
        fields = [length.to_bytes(size, "big") for length, size in zip(self.lengths, sizes)]
        return bytes(self.front) + b"".join(reversed(fields))


# --- Engine.IO text pieces (src/wire.rs) ---
PIECES = ["Open", "Close", "Ping", "Pong", "Message", "Upgrade", "Noop", "Probe", "Base64Marker", "Text"]


def piece(enc, p):
    if isinstance(p, str):
        enc.variant(PIECES.index(p), len(PIECES))
    elif p[0] == "Text":
        enc.variant(PIECES.index("Text"), len(PIECES)).string(p[1])
    else:  # ("Open", websocket_upgrade, ping_interval, ping_timeout, max_payload)
        _, websocket, interval, timeout, max_payload = p
        enc.variant(0, len(PIECES)).bool(websocket).u16(interval).u16(timeout)
        enc.option(max_payload, enc.u16)


def pieces(enc, ps):
    enc.seq(ps, lambda p: piece(enc, p))


def wire(enc, w):
    if w[0] == "Records":
        enc.variant(0, 2).seq(w[1], lambda record: pieces(enc, record))
    else:
        enc.variant(1, 2).byte_vec(w[1])


# --- server_session (src/server_session.rs) ---
SERVER_STEPS = ["Request", "Poll", "AbortPoll", "Post", "PostTooLarge", "WebSocketUpgrade", "TextFrame",
                "BinaryFrame", "FrameTooLarge", "WebSocketClosed", "WebSocketError", "FramesWritten", "SendText",
                "SendBinary", "Close", "Advance"]
METHODS = ["Get", "Post", "Options", "Named"]
QUERY = ["Eio", "Transport", "CurrentSid", "Base64", "Pair", "Raw"]


def query_piece(enc, q):
    name = q if isinstance(q, str) else q[0]
    enc.variant(QUERY.index(name), len(QUERY))
    if name in ("Eio", "Transport"):
        enc.bool(q[1])
    elif name == "Pair":
        enc.string(q[1]).string(q[2])
    elif name == "Raw":
        enc.string(q[1])


def server_step(enc, s):
    name = s if isinstance(s, str) else s[0]
    enc.variant(SERVER_STEPS.index(name), len(SERVER_STEPS))
    if name == "Request":
        _, method, query, upgrade, body, binary = s
        enc.variant(METHODS.index(method), len(METHODS))
        enc.seq(query, lambda q: query_piece(enc, q))
        enc.bool(upgrade)
        wire(enc, body)
        enc.bool(binary)
    elif name in ("AbortPoll", "FramesWritten"):
        enc.u8(s[1])
    elif name == "Post":
        wire(enc, s[1])
        enc.bool(s[2])
    elif name == "TextFrame":
        pieces(enc, s[1])
    elif name in ("BinaryFrame", "SendBinary"):
        enc.byte_vec(s[1])
    elif name == "SendText":
        enc.string(s[1])
    elif name == "Close":
        enc.bool(s[1])
    elif name == "Advance":
        enc.u16(s[1])


def server_seed(settings, v3, websocket, base64, steps):
    enc = Enc()
    interval, timeout, upgrade_timeout, max_body, max_buffered, eio3 = settings
    enc.u8(interval - 1).u8(timeout - 1).u8(upgrade_timeout - 1).u8(max_body - 1).u8(max_buffered)
    enc.bool(False).bool(False).bool(False).bool(eio3)
    enc.bool(v3).bool(websocket).bool(base64)
    for s in steps:  # the last field takes the rest: a keep-going byte before each step
        enc.u8(1)
        server_step(enc, s)
    return enc.finish()


def msg(text):
    return ["Message", ("Text", text)]


SERVER = {
    "v4_polling_exchange_and_close": server_seed(
        (100, 50, 70, 64, 2, False), False, False, False,
        [("SendText", "hello"), "Poll", ("Post", ("Records", [msg("hi")]), False), ("Advance", 150),
         ("Post", ("Records", [["Pong"]]), False), "Poll", ("Close", False), "Poll"]),
    "v4_upgrade_to_websocket": server_seed(
        (100, 50, 70, 64, 2, False), False, False, False,
        ["WebSocketUpgrade", ("TextFrame", ["Ping", "Probe"]), "Poll", ("TextFrame", ["Upgrade"]),
         ("SendText", "x"), ("TextFrame", msg("m")), ("Advance", 200), ("TextFrame", ["Pong"]), "WebSocketClosed"]),
    "v3_polling_base64_heartbeat": server_seed(
        (100, 50, 70, 64, 2, True), True, False, True,
        [("SendBinary", [1, 2, 3]), "Poll", ("Post", ("Records", [["Ping"]]), False), "Poll",
         ("Request", "Get", [("Eio", True), ("Transport", False), "CurrentSid"], False, ("Raw", []), False),
         ("Advance", 500)]),
    "v4_websocket_session": server_seed(
        (100, 50, 70, 64, 2, False), False, True, False,
        [("TextFrame", msg("a")), ("BinaryFrame", [1, 2]), ("Advance", 120), ("TextFrame", ["Pong"]),
         "FrameTooLarge"]),
    "requests_through_classify": server_seed(
        (100, 50, 70, 64, 2, False), False, False, False,
        [("Request", "Get", [("Eio", False), ("Transport", False)], False, ("Raw", []), False),
         ("Request", "Post", [("Eio", False), ("Transport", False), "CurrentSid"], False,
          ("Records", [msg("x")]), False),
         ("Request", "Get", [("Eio", False), ("Transport", True), "CurrentSid"], True, ("Raw", []), False),
         ("TextFrame", ["Ping", "Probe"]), ("Advance", 80), ("Close", True)]),
    # A second WebSocket while the first probes and after the upgrade: closed at once.
    "v4_second_websocket_during_and_after_the_upgrade": server_seed(
        (100, 50, 70, 64, 2, False), False, False, False,
        [("Request", "Get", [("Eio", False), ("Transport", True), "CurrentSid"], True, ("Raw", []), False),
         ("TextFrame", ["Ping", "Probe"]),
         ("Request", "Get", [("Eio", False), ("Transport", True), "CurrentSid"], True, ("Raw", []), False),
         ("TextFrame", ["Upgrade"]), ("FramesWritten", 1),
         ("Request", "Get", [("Eio", False), ("Transport", True), "CurrentSid"], True, ("Raw", []), False),
         ("TextFrame", msg("still")), ("SendText", "still")]),
    # A v3 session asked to upgrade by a WebSocket saying EIO=4, a poll saying EIO=4, then EIO=3.
    "v3_websocket_and_poll_naming_eio_4": server_seed(
        (100, 50, 70, 64, 2, True), True, False, False,
        [("Request", "Get", [("Eio", False), ("Transport", True), "CurrentSid"], True, ("Raw", []), False),
         ("Request", "Get", [("Eio", False), ("Transport", False), "CurrentSid"], False, ("Raw", []), False),
         ("Request", "Get", [("Transport", True), "CurrentSid"], True, ("Raw", []), False),
         ("TextFrame", ["Ping", "Probe"]), ("TextFrame", ["Upgrade"])]),
}

# --- client_session (src/client_session.rs) ---
CLIENT_STEPS = ["Respond", "Fail", "WebSocketOpened", "WebSocketFailed", "Frame", "SendText", "SendBinary",
                "Close", "Advance"]
TARGETS = ["Get", "Post", "Stale", "Bogus"]


def request_target(enc, t):
    name = t if isinstance(t, str) else t[0]
    enc.variant(TARGETS.index(name), len(TARGETS))
    if name in ("Stale", "Bogus"):
        enc.u8(t[1])


def socket_target(enc, index):
    enc.variant(0, 2).u8(index)


def client_step(enc, s):
    name = s if isinstance(s, str) else s[0]
    enc.variant(CLIENT_STEPS.index(name), len(CLIENT_STEPS))
    if name == "Respond":
        _, target, status, binary, body = s
        request_target(enc, target)
        if status == 200:
            enc.variant(0, 2)
        else:
            enc.variant(1, 2).u16(status)
        enc.bool(binary)
        wire(enc, body)
    elif name == "Fail":
        request_target(enc, s[1])
    elif name in ("WebSocketOpened", "WebSocketFailed"):
        socket_target(enc, s[1])
    elif name == "Frame":
        socket_target(enc, s[1])
        if s[2][0] == "Text":
            enc.variant(0, 2)
            pieces(enc, s[2][1])
        else:
            enc.variant(1, 2).byte_vec(s[2][1])
    elif name == "SendText":
        enc.string(s[1])
    elif name == "SendBinary":
        enc.byte_vec(s[1])
    elif name == "Advance":
        enc.u16(s[1])


def client_seed(v3, transports, upgrade, steps, force_base64=False):
    enc = Enc()
    enc.bool(v3).u8(transports).bool(upgrade).bool(False).bool(False).bool(force_base64)
    for s in steps:
        enc.u8(1)
        client_step(enc, s)
    return enc.finish()


def open_packet(websocket, interval, timeout, max_payload):
    return ("Records", [[("Open", websocket, interval, timeout, max_payload)]])


CLIENT = {
    "v4_polling_probe_and_upgrade": client_seed(False, 0, True, [
        ("Respond", "Get", 200, False, open_packet(True, 300, 200, 1000)), ("WebSocketOpened", 0),
        ("Frame", 0, ("Text", ["Pong", "Probe"])), ("Respond", "Get", 200, False, ("Records", [["Noop"]])),
        ("Frame", 0, ("Text", ["Ping"])), ("SendText", "hi"), ("Advance", 600)]),
    "v4_polling_messages_and_close": client_seed(False, 1, False, [
        ("Respond", "Get", 200, False, open_packet(False, 100, 100, 20)), ("SendText", "hello world, long"),
        ("SendText", "x"), ("Respond", "Post", 200, False, ("Raw", [])),
        ("Respond", "Get", 200, False, ("Records", [["Ping"], msg("m")])), ("Advance", 150), "Close",
        ("Respond", "Post", 200, False, ("Raw", []))]),
    "v3_polling_client_pings": client_seed(True, 1, False, [
        ("Respond", "Get", 200, False, open_packet(False, 100, 50, None)), ("Advance", 100),
        ("Respond", "Post", 200, False, ("Raw", [])), ("Respond", "Get", 200, False, ("Records", [["Pong"]])),
        ("Advance", 60), ("Advance", 200)]),
    "v4_websocket_only": client_seed(False, 2, True, [
        ("WebSocketOpened", 0), ("Frame", 0, ("Text", [("Open", False, 100, 100, 1000)])),
        ("Frame", 0, ("Text", ["Ping"])), ("SendBinary", [0, 255]), ("Frame", 0, ("Binary", [1, 2])),
        ("WebSocketFailed", 0)], force_base64=True),
    "v3_zero_ping_timeout": client_seed(True, 1, False, [
        ("Respond", "Get", 200, False, open_packet(False, 100, 0, None)), ("Advance", 50),
        ("Respond", "Get", 200, False, ("Records", [["Noop"]])), ("Advance", 50)]),
    "http_errors": client_seed(False, 0, True, [
        ("Respond", "Get", 200, False, open_packet(True, 100, 100, None)), ("SendText", "a"),
        ("Respond", ("Bogus", 3), 200, False, ("Raw", [])), ("Fail", "Post"),
        ("Respond", "Get", 500, False, ("Raw", []))]),
}

# --- sio_packet_text (fuzz_targets/sio_packet_text.rs) ---
SIO_TEXTS = {
    "connect_main": "0",
    "connect_auth_v5": '0{"token":"abc"}',
    "connect_namespace": "0/admin,",
    "disconnect_namespace": "1/admin,",
    "event": '2["message","hello",1]',
    "event_namespace_ack": '2/chat,12["msg",{"a":[1,2]}]',
    "event_numeric_name_escapes": '2[42,"x"] ',
    "event_escaped_name": '2["\\u00e9v\\n",null]',
    "ack": '31["ok"]',
    "connect_error_v5": '4{"message":"not authorized"}',
    "connect_error_v4": '4"not authorized"',
    "binary_event": '51-["upload",{"_placeholder":true,"num":0}]',
    "binary_ack_namespace": '62-/ns,7[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
}


def sio_text_seed(text):
    enc = Enc()
    enc.u8(10)
    enc.seq([[1, 2, 3], [255]], enc.byte_vec)
    enc.rest_string(text)
    return enc.finish()


# --- sio_decoder (src/socketio.rs) ---
SIO_PIECES = ["Type", "Count", "Namespace", "AckId", "EventStart", "Open", "Comma", "Placeholder", "Value", "Close",
              "Text"]


def sio_piece(enc, p):
    name = p if isinstance(p, str) else p[0]
    enc.variant(SIO_PIECES.index(name), len(SIO_PIECES))
    if name in ("Type", "Count", "Placeholder"):
        enc.u8(p[1])
    elif name == "AckId":
        enc.u16(p[1])
    elif name in ("Namespace", "EventStart", "Value", "Text"):
        enc.string(p[1])


def decoder_seed(v4, max_attachments, max_bytes, messages):
    enc = Enc()
    enc.bool(v4).u8(max_attachments).u8(max_bytes)
    for kind, content in messages:
        enc.u8(1)
        if kind == "Text":
            enc.variant(0, 2).seq(content, lambda p: sio_piece(enc, p))
        else:
            enc.variant(1, 2).byte_vec(content)
    return enc.finish()


def binary_event(count, *placeholders):
    text = [("Type", 5), ("Count", count), ("EventStart", "up")]
    for num in placeholders:
        text += ["Comma", ("Placeholder", num)]
    return ("Text", text + ["Close"])


SIO_DECODER = {
    "binary_event_two_attachments": decoder_seed(False, 3, 64, [
        binary_event(2, 0, 1), ("Binary", [1, 2, 3]), ("Binary", [4]),
        ("Text", [("Type", 2), ("EventStart", "after"), "Close"])]),
    "binary_ack_namespace": decoder_seed(True, 3, 64, [
        ("Text", [("Type", 6), ("Count", 1), ("Namespace", "ns"), ("AckId", 7), "Open", ("Placeholder", 0), "Close"]),
        ("Binary", [9])]),
    "attachments_too_large": decoder_seed(False, 3, 4, [binary_event(1, 0), ("Binary", [1, 2, 3, 4, 5])]),
    "text_while_collecting": decoder_seed(False, 3, 64, [
        binary_event(2, 0, 1), ("Binary", [1]), ("Text", [("Type", 2), ("EventStart", "x"), "Close"]),
        ("Binary", [2])]),
    "too_many_attachments": decoder_seed(False, 1, 255, [binary_event(3, 0, 1, 2), ("Binary", [1])]),
}


# --- Socket.IO packet pieces (src/sio_wire.rs) ---
SIO_WIRE = ["Type", "Namespace", "AckId", "Attachments", "Auth", "ConnectReply", "ConnectError", "EventArgs",
            "BinaryArgs", "AckArgs", "Text"]


def sio_wire_piece(enc, p):
    name = p if isinstance(p, str) else p[0]
    enc.variant(SIO_WIRE.index(name), len(SIO_WIRE))
    if name in ("Type", "Namespace", "AckId", "Attachments", "BinaryArgs"):
        enc.u8(p[1])
    elif name in ("ConnectReply", "ConnectError", "EventArgs"):
        enc.bool(p[1])
    elif name == "Text":
        enc.string(p[1])


def engine_packet(enc, packet, variants=2):
    """("Sio", [SioPiece...]), ("Engine", [TextPiece...]) or "RecoveryConnect" (sio_server only: its
    ClientPacket has 3 variants, sio_client's ServerPacket 2)."""
    if packet == "RecoveryConnect":
        enc.variant(2, variants)
    elif packet[0] == "Sio":
        enc.variant(0, variants).seq(packet[1], lambda p: sio_wire_piece(enc, p))
    else:
        enc.variant(1, variants)
        pieces(enc, packet[1])


def sio(*ps):
    return ("Sio", list(ps))


def optional_u16(enc, value):
    enc.option(value, enc.u16)


# --- sio_server (src/sio_server.rs) ---
SIO_SERVER_STEPS = ["Frame", "Binary", "Post", "RawPost", "Poll", "AbortPoll", "Upgrade", "WebSocketClosed",
                    "WebSocketError", "FrameTooLarge", "Accept", "AcceptRecovered", "Reject", "Emit", "Ack",
                    "Disconnect", "DisconnectAll", "Close", "Shutdown", "Advance", "NamespaceAccept", "Join", "Broadcast",
                    "Reopen"]
EMIT_KINDS = ["Plain", "Volatile", "WithAck", "WithAckId"]
KNOWN, REQUESTED = 0, 1


def namespace_choice(enc, choice):
    kind, index = choice
    enc.variant(kind, 2).u8(index)


def sio_server_step(enc, s):
    name = s if isinstance(s, str) else s[0]
    enc.variant(SIO_SERVER_STEPS.index(name), len(SIO_SERVER_STEPS))
    if name == "Frame":
        engine_packet(enc, s[1], 3)
    elif name == "Binary":
        enc.byte_vec(s[1])
    elif name == "Post":
        enc.seq(s[1], lambda packet: engine_packet(enc, packet, 3))
    elif name == "RawPost":
        enc.byte_vec(s[1]).bool(s[2])
    elif name == "AbortPoll":
        enc.u8(s[1])
    elif name in ("Accept", "AcceptRecovered"):
        namespace_choice(enc, s[1])
        enc.u8(s[2]) if name == "AcceptRecovered" else enc.bool(s[2])
    elif name == "Reject":
        namespace_choice(enc, s[1])
        enc.string(s[2]).bool(s[3])
    elif name == "Emit":
        _, choice, kind, binary = s
        namespace_choice(enc, choice)
        kind_name = kind if isinstance(kind, str) else kind[0]
        enc.variant(EMIT_KINDS.index(kind_name), len(EMIT_KINDS))
        if kind_name == "WithAck":
            optional_u16(enc, kind[1])
        elif kind_name == "WithAckId":
            enc.u8(kind[1])
            optional_u16(enc, kind[2])
        enc.bool(binary)
    elif name == "Ack":
        namespace_choice(enc, s[1])
        enc.u8(s[2]).bool(s[3])
    elif name == "Disconnect":
        namespace_choice(enc, s[1])
    elif name == "Advance":
        enc.u16(s[1])
    elif name in ("NamespaceAccept", "Join"):
        enc.u8(s[1])
    elif name == "Broadcast":
        _, room, volatile, ack_timeout = s
        enc.option(room, enc.u8)
        enc.bool(volatile)
        optional_u16(enc, ack_timeout)


def sio_server_seed(v3, polling, steps, max_buffered=7, connect_timeout=255, max_held=3):
    enc = Enc()
    # v3, polling, ping interval/timeout (×10 ms), buffered, connect timeout (×20 ms), held, attachments, bytes
    enc.bool(v3).bool(polling).u8(200).u8(100).u8(max_buffered).u8(connect_timeout).u8(max_held).u8(3).u8(64)
    for s in steps:
        enc.u8(1)
        sio_server_step(enc, s)
    return enc.finish()


ROOT, ADMIN = (KNOWN, 0), (KNOWN, 1)
SIO_SERVER = {
    "v5_connect_event_ack": sio_server_seed(False, False, [
        ("Frame", sio(("Type", 0))), ("Accept", ROOT, True),
        ("Frame", sio(("Type", 2), ("AckId", 5), ("EventArgs", False))), ("Ack", ROOT, 5, False),
        ("Emit", ROOT, ("WithAck", 100), False), ("Frame", sio(("Type", 3), ("AckId", 0), "AckArgs")),
        ("Emit", ROOT, ("WithAck", 50), False), ("Advance", 100), ("Frame", sio(("Type", 1)))]),
    "v5_packets_held_until_accept": sio_server_seed(False, False, [
        ("Frame", sio(("Type", 0), ("Namespace", 0), "Auth")),
        ("Frame", sio(("Type", 2), ("Namespace", 0), ("EventArgs", True))),
        ("Frame", sio(("Type", 2), ("Namespace", 0), ("EventArgs", False))),
        ("Accept", (REQUESTED, 0), False), ("Emit", ADMIN, ("WithAckId", 1, None), False), ("Disconnect", ADMIN)]),
    "v5_binary_event_and_emit": sio_server_seed(False, False, [
        ("Frame", sio(("Type", 0))), ("Accept", ROOT, False),
        ("Frame", sio(("Type", 5), ("Attachments", 1), ("BinaryArgs", 1))), ("Binary", [1, 2, 3]),
        ("Emit", ROOT, "Plain", True), ("Emit", ROOT, "Volatile", True), "DisconnectAll"]),
    "v4_polling_event_ack_shutdown": sio_server_seed(True, True, [
        ("Accept", ROOT, False), "Poll", ("Post", [sio(("Type", 2), ("EventArgs", False))]),
        ("Emit", ROOT, ("WithAckId", 1, None), False), "Poll",
        ("Post", [sio(("Type", 3), ("AckId", 1), "AckArgs"), ("Engine", ["Ping"])]), "Shutdown", "Poll"]),
    "v5_reject_then_connect_timeout": sio_server_seed(False, False, [
        ("Frame", sio(("Type", 0), ("Namespace", 1))), ("Reject", (REQUESTED, 0), "no", True),
        ("Advance", 3000), ("Advance", 3000)], connect_timeout=100),
    "v5_recovered_then_transport_close": sio_server_seed(False, False, [
        ("Frame", sio(("Type", 0), "Auth")), ("AcceptRecovered", ROOT, 2), ("Emit", ROOT, ("WithAck", None), True),
        "WebSocketClosed"]),
    "v5_polling_buffer_full_upgrade": sio_server_seed(False, True, [
        ("Post", [sio(("Type", 0))]), ("Accept", ROOT, False), ("Emit", ROOT, "Plain", True),
        ("Emit", ROOT, ("WithAck", 10), False), "Poll", "Upgrade", ("Frame", ("Engine", ["Ping", "Probe"])),
        ("Frame", ("Engine", ["Upgrade"])), ("Advance", 2500), "Close"], max_buffered=2),
    "v5_namespace_recovery_after_reopen": sio_server_seed(False, False, [
        ("Frame", sio(("Type", 0))), ("NamespaceAccept", 7), ("Join", 1), ("Broadcast", None, False, None),
        "WebSocketClosed", ("Advance", 10), ("Broadcast", 1, False, None), "Reopen", ("Frame", "RecoveryConnect"),
        ("NamespaceAccept", 0), ("Broadcast", 1, False, 100), ("Frame", sio(("Type", 3), ("AckId", 0), "AckArgs")),
        ("Broadcast", None, True, 50), ("Advance", 100)]),
}

# --- sio_client (src/sio_client.rs) ---
SIO_CLIENT_STEPS = ["Respond", "HttpFailed", "WebSocketOpened", "WebSocketFailed", "Frame", "BinaryFrame", "Random",
                    "Socket", "Connect", "Emit", "Ack", "Disconnect", "Close", "Advance"]
IO_TARGETS = ["Latest", "Issued", "Bogus"]


def io_target(enc, t):
    name = t if isinstance(t, str) else t[0]
    enc.variant(IO_TARGETS.index(name), len(IO_TARGETS))
    if name == "Issued":
        enc.u8(t[1])


def sio_client_step(enc, s):
    name = s if isinstance(s, str) else s[0]
    enc.variant(SIO_CLIENT_STEPS.index(name), len(SIO_CLIENT_STEPS))
    if name == "Respond":
        _, target, status, body = s
        io_target(enc, target)
        optional_u16(enc, status)
        if body[0] == "Packets":
            enc.variant(0, 2).seq(body[1], lambda packet: engine_packet(enc, packet))
        else:
            enc.variant(1, 2).byte_vec(body[1])
    elif name in ("HttpFailed", "WebSocketOpened", "WebSocketFailed"):
        io_target(enc, s[1])
    elif name == "Frame":
        io_target(enc, s[1])
        engine_packet(enc, s[2])
    elif name == "BinaryFrame":
        io_target(enc, s[1])
        enc.byte_vec(s[2])
    elif name == "Random":
        enc.front += s[1].to_bytes(4, "little")
    elif name == "Socket":
        enc.u8(s[1]).bool(s[2])
    elif name in ("Connect", "Disconnect"):
        enc.u8(s[1])
    elif name == "Emit":
        _, socket, ack, timeout, volatile, binary = s
        enc.u8(socket).bool(ack)
        optional_u16(enc, timeout)
        enc.bool(volatile).bool(binary)
    elif name == "Ack":
        enc.u8(s[1]).u8(s[2])
    elif name == "Advance":
        enc.u16(s[1])


def sio_client_seed(v3, polling, steps, attempts=2, timeout=1000, ack_timeout=None, retries=0):
    enc = Enc()
    enc.bool(v3).bool(polling).bool(False)
    enc.option(attempts, enc.u8)
    enc.u8(9)  # reconnection delay 100 ms
    optional_u16(enc, timeout)
    optional_u16(enc, ack_timeout)
    enc.u8(retries)
    for s in steps:
        enc.u8(1)
        sio_client_step(enc, s)
    return enc.finish()


OPEN = ("Engine", [("Open", False, 1000, 1000, None)])
CONNECTED = sio(("Type", 0), ("ConnectReply", True))
WS_OPEN = [("Socket", 0, True), ("WebSocketOpened", "Latest"), ("Frame", "Latest", OPEN), ("Frame", "Latest", CONNECTED)]
SIO_CLIENT = {
    "v5_websocket_connect_emit_ack": sio_client_seed(False, False, WS_OPEN + [
        ("Emit", 0, True, 100, False, False), ("Frame", "Latest", sio(("Type", 3), ("AckId", 0), "AckArgs")),
        ("Frame", "Latest", sio(("Type", 2), ("AckId", 3), ("EventArgs", True))), ("Ack", 0, 3),
        ("Emit", 0, True, 10, False, True), ("Advance", 50)]),
    "v5_reconnect_after_websocket_failure": sio_client_seed(False, False, WS_OPEN + [
        ("Emit", 0, True, None, False, False), ("WebSocketFailed", "Latest"), ("Random", 0), ("Advance", 200),
        ("WebSocketOpened", "Latest"), ("Frame", "Latest", OPEN), ("Frame", "Latest", CONNECTED),
        ("Frame", ("Issued", 0), OPEN)]),
    "v5_handshake_timeouts_until_reconnect_failed": sio_client_seed(False, False, [
        ("Socket", 1, False), ("Advance", 200), ("Random", 7), ("Advance", 200), ("Advance", 200), ("Random", 1),
        ("Advance", 500), ("Advance", 500), ("Socket", 1, False), "Close", ("Advance", 1000)],
        attempts=1, timeout=100),
    "v4_polling_namespace_connect": sio_client_seed(True, True, [
        ("Socket", 1, False), ("Respond", "Latest", None, ("Packets", [OPEN])),
        ("Respond", ("Issued", 1), None, ("Packets", [sio(("Type", 0), ("Namespace", 0))])),
        ("Respond", "Latest", None, ("Packets", [sio(("Type", 2), ("Namespace", 0), ("EventArgs", False))])),
        ("Emit", 0, True, None, True, False), ("HttpFailed", "Latest")]),
    "v5_retries_then_server_disconnect": sio_client_seed(False, False, WS_OPEN + [
        ("Emit", 0, True, None, False, False), ("Advance", 100), ("Advance", 100),
        ("Frame", "Latest", sio(("Type", 1))), ("Frame", "Bogus", OPEN)], ack_timeout=50, retries=2),
    "v5_connect_error_and_disconnect": sio_client_seed(False, False, [
        ("Socket", 1, True), ("Socket", 0, False), ("WebSocketOpened", "Latest"), ("Frame", "Latest", OPEN),
        ("Frame", "Latest", sio(("Type", 4), ("Namespace", 0), ("ConnectError", True))),
        ("Frame", "Latest", CONNECTED), ("Disconnect", 1), ("Disconnect", 0)]),
}


def write(target, seeds):
    directory = os.path.join("corpus", target)
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as seed:
            seed.write(data)


# --- real traffic (traffic.jsonl, written by capture_traffic.js) ---
def load_traffic(path="traffic.jsonl"):
    """Scenario name -> its records, in order."""
    import base64
    import json

    scenarios = {}
    with open(path) as lines:
        for line in lines:
            record = json.loads(line)
            record["bytes"] = base64.b64decode(record["data"])
            scenarios.setdefault(record["scenario"], []).append(record)
    return scenarios


def raw_text(text):
    return [("Text", text)]


def real_server_session(records):
    """What the client sent, replayed to the Engine.IO server session."""
    v3 = records[0]["eio"] == 3
    first_websocket = records[0]["transport"] == "websocket"
    steps, upgraded = [], first_websocket
    for record in records:
        if record["dir"] != "c2s":
            continue
        if record["transport"] == "polling":
            steps += ["Poll", ("Post", ("Raw", list(record["bytes"])), record["binary"])]
        else:
            if not upgraded:
                steps.append("WebSocketUpgrade")
                upgraded = True
            if record["binary"]:
                steps.append(("BinaryFrame", list(record["bytes"])))
            else:
                steps.append(("TextFrame", raw_text(record["bytes"].decode())))
    steps.append(("Advance", 400))
    return server_seed((255, 255, 255, 255, 4, True), v3, first_websocket, False, steps)


def real_client_session(records):
    """What the server answered, replayed to the Engine.IO client session."""
    v3 = records[0]["eio"] == 3
    websocket_only = records[0]["transport"] == "websocket"
    steps = [("WebSocketOpened", 0)] if websocket_only else []
    opened = websocket_only
    for record in records:
        if record["dir"] != "s2c":
            continue
        if record["transport"] == "polling":
            steps.append(("Respond", "Get", 200, record["binary"], ("Raw", list(record["bytes"]))))
            steps.append(("Respond", "Post", 200, False, ("Raw", list(b"ok"))))
        else:
            if not opened:
                steps.append(("WebSocketOpened", 0))
                opened = True
            if record["binary"]:
                steps.append(("Frame", 0, ("Binary", list(record["bytes"]))))
            else:
                steps.append(("Frame", 0, ("Text", raw_text(record["bytes"].decode()))))
    return client_seed(v3, 2 if websocket_only else 0, True, steps)


def accepted_namespace(text):
    """The namespace a client CONNECT (`40`, `40/admin,`) asks for."""
    if not text.startswith("40"):
        return None
    return ADMIN if text.startswith("40/admin") else ROOT


def real_sio_server(records):
    v3 = records[0]["eio"] == 3
    polling = records[0]["transport"] == "polling"
    steps, upgraded = [], not polling
    for record in records:
        if record["dir"] != "c2s":
            continue
        if record["transport"] == "polling":
            steps += ["Poll", ("RawPost", list(record["bytes"]), record["binary"])]
            texts = [record["bytes"].decode()]
        else:
            if not upgraded:
                steps.append("Upgrade")
                upgraded = True
            if record["binary"]:
                steps.append(("Binary", list(record["bytes"])))
                continue
            text = record["bytes"].decode()
            steps.append(("Frame", ("Engine", raw_text(text))))
            texts = [text]
        for text in texts:
            for record_text in text.replace(":", "\x1e").split("\x1e"):
                namespace = accepted_namespace(record_text)
                if namespace is not None:
                    steps.append(("Accept", namespace, False))
    steps.append(("Advance", 400))
    return sio_server_seed(v3, polling, steps)


def real_sio_client(records):
    v3 = records[0]["eio"] == 3
    polling = records[0]["transport"] == "polling"
    steps = [("Socket", 0, False), ("Socket", 1, False)]
    if not polling:
        steps.append(("WebSocketOpened", "Latest"))
    for record in records:
        if record["dir"] != "s2c":
            continue
        if polling and record["transport"] == "polling":
            steps.append(("Respond", ("Issued", 0) if not steps[2:] else "Latest", None,
                          ("Raw", list(record["bytes"]))))
        elif record["transport"] == "websocket" and not polling:
            if record["binary"]:
                steps.append(("BinaryFrame", "Latest", list(record["bytes"])))
            else:
                steps.append(("Frame", "Latest", ("Engine", raw_text(record["bytes"].decode()))))
    steps.append(("Emit", 0, True, 100, False, True))
    return sio_client_seed(v3, polling, steps)


def real_frame(v3, text, data):
    """packet_frame's input: `{v3, text, data}`, the bytes as the last field."""
    enc = Enc().bool(v3).bool(text)
    for byte in data:
        enc.u8(1).u8(byte)
    return enc.u8(0).finish()


def real_decoder(records):
    """The Socket.IO messages of one direction, to the decoder."""
    messages = []
    for record in records:
        if record["transport"] != "websocket":
            continue
        if record["binary"]:
            data = record["bytes"][1:] if record["eio"] == 3 else record["bytes"]
            messages.append(("Binary", list(data)))
        elif record["bytes"][:1] == b"4":
            messages.append(("Text", [("Text", record["bytes"][1:].decode())]))
    return decoder_seed(records[0]["eio"] == 3, 4, 255, messages)


def real_seeds():
    traffic = load_traffic()
    seeds = {target: {} for target in ["payload_v4", "payload_v3_text", "packet_text", "packet_frame",
                                       "sio_packet_text", "server_session", "client_session", "sio_server",
                                       "sio_client", "sio_decoder"]}
    for name, records in traffic.items():
        seeds["server_session"][f"real_{name}"] = real_server_session(records)
        seeds["client_session"][f"real_{name}"] = real_client_session(records)
        seeds["sio_server"][f"real_{name}"] = real_sio_server(records)
        seeds["sio_client"][f"real_{name}"] = real_sio_client(records)
        for direction in ("c2s", "s2c"):
            one_way = [record for record in records if record["dir"] == direction]
            seeds["sio_decoder"][f"real_{name}_{direction}"] = real_decoder(one_way)
        for index, record in enumerate(records):
            data, label = record["bytes"], f"real_{name}_{index:02}_{record['dir']}"
            if record["transport"] == "polling":
                target = "payload_v3_text" if record["eio"] == 3 else "payload_v4"
                seeds[target][label] = data
                continue
            seeds["packet_frame"][label] = real_frame(record["eio"] == 3, not record["binary"], data)
            if not record["binary"]:
                seeds["packet_text"][label] = data
                if data[:1] == b"4":
                    seeds["sio_packet_text"][label] = sio_text_seed(data[1:].decode())
    # One seed per distinct input: the heartbeats and probes repeat.
    for target, named in seeds.items():
        distinct = {}
        for label, data in sorted(named.items()):
            distinct.setdefault(data, label)
        seeds[target] = {label: data for data, label in distinct.items()}
    return seeds


# --- sio_msgpack: `socket.io-msgpack-parser` messages (notepack.io's encoding) ---
def msgpack(value):
    if value is None:
        return b"\xc0"
    if value is True or value is False:
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        if -32 <= value < 0:
            return (value & 0xFF).to_bytes(1, "big")
        return b"\xcd" + value.to_bytes(2, "big") if 0 <= value < 65536 else b"\xd3" + value.to_bytes(8, "big", signed=True)
    if isinstance(value, float):
        import struct
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        return (bytes([0xA0 | len(data)]) if len(data) < 32 else b"\xd9" + bytes([len(data)])) + data
    if isinstance(value, bytes):
        return b"\xc4" + bytes([len(value)]) + value
    if isinstance(value, list):
        return bytes([0x90 | len(value)]) + b"".join(msgpack(item) for item in value)
    assert isinstance(value, dict)
    return bytes([0x80 | len(value)]) + b"".join(msgpack(key) + msgpack(item) for key, item in value.items())


MSGPACK = {
    "connect": {"type": 0, "nsp": "/"},
    "connect_auth_admin": {"type": 0, "data": {"token": "abc"}, "nsp": "/admin"},
    "connect_reply": {"type": 0, "data": {"sid": "s1", "pid": "p1"}, "nsp": "/"},
    "disconnect": {"type": 1, "nsp": "/admin"},
    "event_ack": {"type": 2, "data": ["echo", "h\u00e9llo", 1, -5, 2.5, None, {"a": [True, False]}], "id": 3,
                  "nsp": "/"},
    "event_binary": {"type": 2, "data": ["upload", b"\x00\x01\xff", {"nested": [b"ab"]}], "nsp": "/"},
    "event_numeric_name": {"type": 2, "data": [42, "x"], "nsp": "/"},
    "ack": {"id": 7, "type": 3, "data": ["ok", b"\x09"], "nsp": "/"},
    "connect_error": {"type": 4, "data": {"message": "not authorized", "data": {"code": 1}}, "nsp": "/"},
    "client_options": {"type": 2, "data": ["e"], "options": {"compress": True}, "nsp": "/"},
    "deep_nesting": {"type": 2, "data": ["d", [[[[[[[[[[1]]]]]]]]]]], "nsp": "/"},
}

write("server_session", SERVER)
write("client_session", CLIENT)
write("sio_packet_text", {name: sio_text_seed(text) for name, text in SIO_TEXTS.items()})
write("sio_decoder", SIO_DECODER)
write("sio_server", SIO_SERVER)
write("sio_client", SIO_CLIENT)
write("sio_msgpack", {name: msgpack(packet) for name, packet in MSGPACK.items()})
for real_target, real in real_seeds().items():
    write(real_target, real)

# --- go-socket.io (Engine.IO 3 over WebSocket): JSON ending in a newline, `[]` as a CONNECT's data ---
GO_SOCKETIO = {
    "open": b'0{"sid":"6","upgrades":[],"pingInterval":20000,"pingTimeout":60000}\n',
    "connect_main": b"40",
    "connect_admin": b"40/admin,[]\n",
    "event_admin": b'42/admin,["welcome",{"ns":"/admin"}]\n',
    "ack": b'431["hi"]\n',
    "ack_without_id": b'43["hi"]\n',
}
write("packet_text", {f"go_socketio_{name}": frame for name, frame in GO_SOCKETIO.items()})
write("packet_frame", {f"go_socketio_{name}": real_frame(True, True, frame) for name, frame in GO_SOCKETIO.items()})
GO_SOCKETIO_SIO = {name: frame[1:].decode() for name, frame in GO_SOCKETIO.items() if frame[:1] == b"4"}
write("sio_packet_text", {f"go_socketio_{name}": sio_text_seed(text) for name, text in GO_SOCKETIO_SIO.items()})
write("sio_decoder", {"go_socketio_s2c": decoder_seed(True, 4, 255, [
    ("Text", [("Text", text)]) for text in GO_SOCKETIO_SIO.values()])})
