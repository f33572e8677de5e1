// Captures golden Engine.IO polling bodies from the real `engine.io` npm server.
//
// Usage: npm ci && node capture.js [OUTPUT_DIR]
//        (OUTPUT_DIR defaults to ../../engineio-proto/tests/data)
//
// Starts engine.io servers on 127.0.0.1 (random ports, allowEIO3) and drives
// them with raw HTTP requests from node's `http` module (no engine.io-client),
// writing the exact bytes of each request or response body to OUTPUT_DIR.
// Every body this script sends is checked against what the server's `message`
// events received, so a POST capture is known to be accepted as intended.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const engine = require("engine.io");
const WebSocket = require("ws");

const outputDir = path.resolve(process.argv[2] || path.join(__dirname, "../../engineio-proto/tests/data"));

// What the server sends in every "messages" capture, queued before the GET.
const SERVER_TEXT = "hello";
const SERVER_BINARY = Buffer.from([1, 2, 3, 4]);
const SERVER_UNICODE = "€ and 😀";

// What the client POSTs in every "post_accepted" capture.
const CLIENT_MESSAGES = ["first", Buffer.from([1, 2, 3, 4]), "second € 😀"];

const FAST_PING_INTERVAL_MS = 300;

const summary = [];

function startServer(options) {
  return new Promise((resolve) => {
    const httpServer = http.createServer();
    const server = engine.attach(httpServer, { allowEIO3: true, ...options });
    const sockets = new Map();
    server.on("connection", (socket) => {
      const received = [];
      socket.on("message", (data) => received.push(data));
      sockets.set(socket.id, { socket, received });
    });
    httpServer.listen(0, "127.0.0.1", () => resolve({ httpServer, server, sockets, port: httpServer.address().port }));
  });
}

function request(port, method, query, body, contentType) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (body !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = body.length;
    }
    const req = http.request(
      { host: "127.0.0.1", port, method, path: `/engine.io/?${query}`, headers, agent: false },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function save(name, body, description) {
  fs.writeFileSync(path.join(outputDir, name), body);
  summary.push({ name, bytes: body.length, ...description });
}

// The sid of a handshake body: `0{json}` (v4) or `<len>:0{json}` (v3 text payload).
function handshakeSid(body) {
  const text = body.toString("utf8");
  const open = text.slice(text.indexOf("0{") + 1);
  return JSON.parse(open).sid;
}

function queueServerMessages(session) {
  session.socket.send(SERVER_TEXT);
  session.socket.send(SERVER_BINARY);
  session.socket.send(SERVER_UNICODE);
}

function assertReceivedClientMessages(session) {
  assert.equal(session.received.length, CLIENT_MESSAGES.length, "message events");
  CLIENT_MESSAGES.forEach((expected, index) => {
    const got = session.received[index];
    if (Buffer.isBuffer(expected)) {
      assert.ok(Buffer.isBuffer(got), `message ${index} should be a Buffer`);
      assert.ok(expected.equals(got), `message ${index} bytes`);
    } else {
      assert.equal(got, expected, `message ${index}`);
    }
  });
  assert.equal(session.socket.readyState, "open", "session still open after the POST");
}

// v3 text payload record: `<UTF-16 length>:<packet>`.
function v3TextRecord(packet) {
  return `${packet.length}:${packet}`;
}

// v3 binary payload record: `<0|1><length digits as bytes>\xff<packet bytes>`.
function v3BinaryRecord(isBinary, packetBytes) {
  const digits = String(packetBytes.length)
    .split("")
    .map((digit) => Number(digit));
  return Buffer.concat([Buffer.from([isBinary ? 1 : 0, ...digits, 0xff]), packetBytes]);
}

async function captureV4(fast) {
  const handshake = await request(fast.port, "GET", "EIO=4&transport=polling");
  assert.equal(handshake.status, 200);
  save("v4_handshake.bin", handshake.body, {
    request: "GET /engine.io/?EIO=4&transport=polling",
    contentType: handshake.headers["content-type"],
  });
  const sid = handshakeSid(handshake.body);
  const session = fast.sockets.get(sid);
  queueServerMessages(session);
  // Let the heartbeat fire so a ping is queued behind the three messages.
  await sleep(FAST_PING_INTERVAL_MS + 200);
  const poll = await request(fast.port, "GET", `EIO=4&transport=polling&sid=${sid}`);
  assert.equal(poll.status, 200);
  save("v4_messages_and_ping.bin", poll.body, {
    request: "GET /engine.io/?EIO=4&transport=polling&sid=…",
    contentType: poll.headers["content-type"],
  });

  const records = CLIENT_MESSAGES.map((message) =>
    Buffer.isBuffer(message) ? `b${message.toString("base64")}` : `4${message}`,
  );
  records.push("3"); // the pong that answers the captured ping
  const postBody = Buffer.from(records.join("\x1e"), "utf8");
  const post = await request(fast.port, "POST", `EIO=4&transport=polling&sid=${sid}`, postBody, "text/plain;charset=UTF-8");
  assert.equal(post.status, 200);
  assert.equal(post.body.toString(), "ok");
  assertReceivedClientMessages(session);
  save("v4_post_accepted.bin", postBody, {
    request: "POST /engine.io/?EIO=4&transport=polling&sid=… (written by capture.js, accepted by the server)",
    contentType: "text/plain;charset=UTF-8",
  });
  session.socket.close();
}

async function captureUpgradeNoop(slow) {
  const handshake = await request(slow.port, "GET", "EIO=4&transport=polling");
  const sid = handshakeSid(handshake.body);
  const heldPoll = request(slow.port, "GET", `EIO=4&transport=polling&sid=${sid}`);
  const ws = new WebSocket(`ws://127.0.0.1:${slow.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const pongProbe = new Promise((resolve) => ws.once("message", (data) => resolve(data.toString())));
  ws.send("2probe");
  assert.equal(await pongProbe, "3probe");
  const poll = await heldPoll;
  assert.equal(poll.status, 200);
  save("v4_upgrade_noop.bin", poll.body, {
    request: "GET /engine.io/?EIO=4&transport=polling&sid=… held while a websocket probe (2probe) is answered",
    contentType: poll.headers["content-type"],
  });
  ws.send("5");
  await sleep(50);
  ws.close();
}

async function captureV3Text(slow) {
  const handshake = await request(slow.port, "GET", "EIO=3&transport=polling&b64=1");
  assert.equal(handshake.status, 200);
  save("v3_handshake.bin", handshake.body, {
    request: "GET /engine.io/?EIO=3&transport=polling&b64=1",
    contentType: handshake.headers["content-type"],
  });
  const sid = handshakeSid(handshake.body);
  const session = slow.sockets.get(sid);
  queueServerMessages(session);
  const poll = await request(slow.port, "GET", `EIO=3&transport=polling&b64=1&sid=${sid}`);
  assert.equal(poll.status, 200);
  save("v3_text_messages.bin", poll.body, {
    request: "GET /engine.io/?EIO=3&transport=polling&b64=1&sid=…",
    contentType: poll.headers["content-type"],
  });

  const records = CLIENT_MESSAGES.map((message) =>
    v3TextRecord(Buffer.isBuffer(message) ? `b4${message.toString("base64")}` : `4${message}`),
  );
  const postBody = Buffer.from(records.join(""), "utf8");
  const post = await request(slow.port, "POST", `EIO=3&transport=polling&b64=1&sid=${sid}`, postBody, "text/plain;charset=UTF-8");
  assert.equal(post.status, 200);
  assertReceivedClientMessages(session);
  save("v3_text_post_accepted.bin", postBody, {
    request: "POST /engine.io/?EIO=3&transport=polling&b64=1&sid=… (written by capture.js, accepted by the server)",
    contentType: "text/plain;charset=UTF-8",
  });
  session.socket.close();
}

async function captureV3Binary(slow) {
  const handshake = await request(slow.port, "GET", "EIO=3&transport=polling");
  assert.equal(handshake.status, 200);
  const sid = handshakeSid(handshake.body);
  const session = slow.sockets.get(sid);
  queueServerMessages(session);
  const poll = await request(slow.port, "GET", `EIO=3&transport=polling&sid=${sid}`);
  assert.equal(poll.status, 200);
  assert.equal(poll.headers["content-type"], "application/octet-stream");
  save("v3_binary_messages.bin", poll.body, {
    request: "GET /engine.io/?EIO=3&transport=polling&sid=…",
    contentType: poll.headers["content-type"],
  });

  const records = CLIENT_MESSAGES.map((message) =>
    Buffer.isBuffer(message)
      ? v3BinaryRecord(true, Buffer.concat([Buffer.from([4]), message]))
      : v3BinaryRecord(false, Buffer.from(`4${message}`, "utf8")),
  );
  const postBody = Buffer.concat(records);
  const post = await request(slow.port, "POST", `EIO=3&transport=polling&sid=${sid}`, postBody, "application/octet-stream");
  assert.equal(post.status, 200);
  assertReceivedClientMessages(session);
  save("v3_binary_post_accepted.bin", postBody, {
    request: "POST /engine.io/?EIO=3&transport=polling&sid=… (written by capture.js, accepted by the server)",
    contentType: "application/octet-stream",
  });
  session.socket.close();
}

async function main() {
  fs.mkdirSync(outputDir, { recursive: true });
  const fast = await startServer({ pingInterval: FAST_PING_INTERVAL_MS, pingTimeout: 10000 });
  const slow = await startServer({ pingInterval: 25000, pingTimeout: 20000 });
  try {
    await captureV4(fast);
    await captureUpgradeNoop(slow);
    await captureV3Text(slow);
    await captureV3Binary(slow);
  } finally {
    for (const { server, httpServer } of [fast, slow]) {
      server.close();
      httpServer.close();
    }
  }
  const packageJson = path.join(path.dirname(require.resolve("engine.io")), "..", "package.json");
  const version = JSON.parse(fs.readFileSync(packageJson, "utf8")).version;
  const manifest = JSON.stringify(
    { engineIo: version, node: process.version, date: new Date().toISOString(), files: summary },
    null,
    2,
  );
  fs.writeFileSync(path.join(outputDir, "capture-manifest.json"), `${manifest}\n`);
  console.log(manifest);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
