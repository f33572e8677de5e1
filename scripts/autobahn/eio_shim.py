"""A byte-level shim between Autobahn's fuzzing client (plain WebSocket echo
expected) and an Engine.IO v4 echo server: it rewrites only what Engine.IO
framing needs and forwards every other byte untouched, so the server's
WebSocket layer sees Autobahn's frames (bad ones included) as sent.
- upgrade request: path -> /engine.io/?EIO=4&transport=websocket
- client->server: a well-formed masked text frame starting a message gets '4'
  prepended (re-masked with its own mask); everything else is forwarded as is
- server->client: the open packet (first text frame) is dropped, '2' pings are
  answered with '3' and dropped, '4' is stripped from text frames; everything
  else (pongs, closes, binary) is forwarded as is."""
import asyncio, sys

LISTEN, UPSTREAM = int(sys.argv[1]), int(sys.argv[2])

def parse(buf):
    """(first byte, opcode, masked, mask, payload, total length) or None."""
    if len(buf) < 2: return None
    b0, b1 = buf[0], buf[1]
    masked, n, pos = b1 & 0x80, b1 & 0x7F, 2
    if n == 126:
        if len(buf) < 4: return None
        n, pos = int.from_bytes(buf[2:4], "big"), 4
    elif n == 127:
        if len(buf) < 10: return None
        n, pos = int.from_bytes(buf[2:10], "big"), 10
    mask = b""
    if masked:
        if len(buf) < pos + 4: return None
        mask, pos = bytes(buf[pos:pos + 4]), pos + 4
    if n > 64 * 1024 * 1024: return (b0, b0 & 0xF, masked, mask, None, None)
    if len(buf) < pos + n: return None
    return (b0, b0 & 0xF, masked, mask, bytes(buf[pos:pos + n]), pos + n)

def build(b0, payload, mask=b""):
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126: head = bytes([b0, m | n])
    elif n < 65536: head = bytes([b0, m | 126]) + n.to_bytes(2, "big")
    else: head = bytes([b0, m | 127]) + n.to_bytes(8, "big")
    if mask: payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + payload

def unmask(payload, mask):
    return bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if mask else payload

async def pump_client(reader, writer, upstream_w):
    buf = bytearray(); in_text = False; raw = False
    while True:
        data = await reader.read(65536)
        if not data: break
        if raw:
            upstream_w.write(data); continue
        buf += data
        while True:
            frame = parse(buf)
            if frame is None: break
            b0, op, masked, mask, payload, total = frame
            if total is None:
                raw = True; upstream_w.write(bytes(buf)); buf.clear(); break
            chunk = bytes(buf[:total]); del buf[:total]
            rsv = b0 & 0x70
            if op == 1 and masked and not rsv and not in_text:
                chunk = build(b0, b"4" + unmask(payload, mask), mask)
            if op in (0, 1, 2) and not rsv:
                in_text = (op == 1 or (op == 0 and in_text)) and not (b0 & 0x80)
            upstream_w.write(chunk)
        await upstream_w.drain()
    try: upstream_w.write_eof()
    except Exception: pass

async def pump_server(upstream_r, upstream_w, writer):
    buf = bytearray(); opened = False
    while True:
        data = await upstream_r.read(65536)
        if not data: break
        buf += data
        while True:
            frame = parse(buf)
            if frame is None: break
            b0, op, masked, mask, payload, total = frame
            chunk = bytes(buf[:total]); del buf[:total]
            if op == 1 and b0 == 0x81:
                if not opened:
                    opened = True; continue
                if payload == b"2":
                    upstream_w.write(build(0x81, b"3", b"\x01\x02\x03\x04")); continue
                if payload.startswith(b"4"):
                    chunk = build(0x81, payload[1:])
            writer.write(chunk)
        await writer.drain()
    writer.close()

async def handle(reader, writer):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    method, _, version = lines[0].split(b" ")
    lines[0] = method + b" /engine.io/?EIO=4&transport=websocket " + version
    upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", UPSTREAM)
    upstream_w.write(b"\r\n".join(lines))
    answer = await upstream_r.readuntil(b"\r\n\r\n")
    writer.write(answer)
    await asyncio.gather(pump_client(reader, writer, upstream_w), pump_server(upstream_r, upstream_w, writer),
                         return_exceptions=True)
    writer.close(); upstream_w.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    async with server: await server.serve_forever()

asyncio.run(main())
