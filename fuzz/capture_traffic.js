// Records the real traffic between the official JavaScript peers, for the
// fuzz seed corpus (`make_seeds.py` turns it into seeds of every target).
//
//   node fuzz/capture_traffic.js > fuzz/traffic.jsonl      (after `npm ci --prefix interop`)
//
// A `socket.io` 4.8.1 server (allowEIO3) runs in this process; its Engine.IO
// transports are wrapped so that every polling body and WebSocket frame, in
// both directions, is printed as one JSON line:
//   {"scenario":…,"eio":3|4,"dir":"c2s"|"s2c","transport":"polling"|"websocket",
//    "binary":bool,"data":<base64>}
// The clients are `socket.io-client` 4.8.1 (polling then upgrade, and
// WebSocket only) and `socket.io-client` 2.5.0 (Engine.IO 3). Each connects
// to `/` and `/admin`, emits with acks (text and binary), answers the
// server's emit with ack, and disconnects.
"use strict";

const path = require("path");
const modules = path.join(__dirname, "..", "interop", "node_modules");
const need = (name) => require(path.join(modules, name));

const { Server } = need("socket.io");
const { Polling } = need("engine.io/build/transports/polling");
const EngineServer = need("engine.io/build/server").Server;
const { io: clientV4 } = need("socket.io-client");
const clientV2 = need("socket.io-client-v2");

let scenario = "";
const record = (eio, dir, transport, data) => {
  const binary = typeof data !== "string";
  const bytes = binary ? Buffer.from(data) : Buffer.from(data, "utf8");
  const line = { scenario, eio, dir, transport, binary, data: bytes.toString("base64") };
  process.stdout.write(JSON.stringify(line) + "\n");
};

// Polling: the whole request body, and the whole response body.
const onData = Polling.prototype.onData;
Polling.prototype.onData = function (data) {
  record(this.protocol, "c2s", "polling", data);
  return onData.call(this, data);
};
const doWrite = Polling.prototype.doWrite;
Polling.prototype.doWrite = function (data, options, callback) {
  record(this.protocol, "s2c", "polling", data);
  return doWrite.call(this, data, options, callback);
};

// WebSocket: every frame of the `ws` socket, probes included.
const onWebSocket = EngineServer.prototype.onWebSocket;
EngineServer.prototype.onWebSocket = function (req, socket, websocket) {
  const eio = Number(req._query && req._query.EIO) || 4;
  websocket.on("message", (data, isBinary) => record(eio, "c2s", "websocket", isBinary ? data : data.toString()));
  const send = websocket.send;
  websocket.send = function (data, ...rest) {
    record(eio, "s2c", "websocket", data);
    return send.call(this, data, ...rest);
  };
  return onWebSocket.call(this, req, socket, websocket);
};

const server = new Server({ allowEIO3: true, pingInterval: 300, pingTimeout: 2000 });

for (const nsp of ["/", "/admin"]) {
  server.of(nsp).on("connection", (socket) => {
    socket.on("echo", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("ask", (ack) => {
      socket.timeout(2000).emit("question", "q", Buffer.from([1, 2, 3]), (error, answer) => ack(error ? "error" : answer));
    });
    socket.emit("hello", "world", { nsp, list: [1, 2.5, null, true] });
  });
}

const once = (emitter, event) => new Promise((resolve) => emitter.once(event, resolve));
const ack = (socket, ...args) => new Promise((resolve) => socket.emit(...args, resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One client session: `/` and `/admin`, emits with acks, a server emit
// answered, a heartbeat, then a disconnect.
async function session(name, connect) {
  scenario = name;
  const main = connect("/");
  const admin = connect("/admin");
  main.on("question", (_text, _bytes, answer) => answer("answer", Buffer.from([9])));
  await Promise.all([once(main, "connect"), once(admin, "connect")]);
  await ack(main, "echo", "héllo", 1, { a: [true, null] });
  await ack(main, "echo", Buffer.from([0, 1, 2, 255]), "text");
  await ack(admin, "echo", [Buffer.from("abc")]);
  await ack(main, "ask");
  await sleep(700); // heartbeats
  admin.disconnect();
  main.disconnect();
  await sleep(100);
}

async function main() {
  server.listen(0);
  await once(server.httpServer, "listening");
  const url = `http://127.0.0.1:${server.httpServer.address().port}`;
  await session("v5_polling_upgrade", (nsp) => {
    const socket = clientV4(url + nsp, { forceNew: false, reconnection: false });
    return socket;
  });
  await session("v5_websocket", (nsp) =>
    clientV4(url + nsp, { transports: ["websocket"], forceNew: false, reconnection: false }),
  );
  await session("v4_eio3_polling_upgrade", (nsp) => clientV2(url + nsp, { reconnection: false }));
  server.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
