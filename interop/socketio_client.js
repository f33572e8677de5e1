// One Socket.IO client session against a server under test, with the real
// npm `socket.io-client`: it connects `/` (with an auth payload), `/admin`
// and `/private` over one multiplexed connection, then checks what the
// server contract of `runtime-async-std/tests/scenarios/server.rs` promises
// (on every runtime; `runtime-tokio/tests/socketio_interop.rs` reuses the client):
//
//   /        emits `echo` ("hello", <binary>) with an ack: the ack carries both back;
//            the server emits `welcome` with an ack: answered with "thanks";
//            the server emits `bin` with a binary argument;
//            emits `slow` then `fast`, both with acks: the server handles a
//            socket's events one after the other, so `slow`'s ack (sent after a
//            pause) arrives first;
//            emits `fanout` with 0..FANOUTS-1 at once: each comes back as `msg`
//            (a broadcast to a room the socket joined), in order;
//   /admin   emits `whoami` with an ack: answered with "admin"; then `kick`:
//            the server disconnects the socket ("io server disconnect");
//   /private refused by a middleware: `connect_error` with its message.
//
//   node socketio_client.js <url> <polling|websocket|upgrade>
//
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}) and
// exits 0 or 1. Never runs longer than TIMEOUT_MS.
"use strict";

const { io } = require("socket.io-client");

const TIMEOUT_MS = 10000;
const FANOUTS = 50;
const [url, mode = "polling"] = process.argv.slice(2);
const transports = { polling: ["polling"], websocket: ["websocket"], upgrade: ["polling", "websocket"] }[mode];
if (!url || !transports) {
  console.error("usage: node socketio_client.js <url> <polling|websocket|upgrade>");
  process.exit(2);
}

const options = { transports, upgrade: mode === "upgrade", reconnection: false, auth: { token: "secret" } };
const root = io(url, options);
const admin = io(url + "/admin", options);
const privateNs = io(url + "/private", options);

const result = {
  ok: false,
  mode,
  rootId: null,
  adminId: null,
  echo: null,
  welcome: null,
  bin: null,
  whoami: null,
  fanout: [],
  handlerOrder: [],
  adminDisconnect: null,
  privateError: null,
  transport: null,
};

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  result.transport = root.io.engine ? root.io.engine.transport.name : null;
  console.log(JSON.stringify(result));
  root.disconnect();
  admin.disconnect();
  privateNs.disconnect();
  process.exit(error ? 1 : 0);
}

const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms: " + JSON.stringify(result)), TIMEOUT_MS);

function maybeDone() {
  const done =
    result.echo !== null &&
    result.welcome !== null &&
    result.bin !== null &&
    result.whoami !== null &&
    result.fanout.length === FANOUTS &&
    result.handlerOrder.length === 2 &&
    result.adminDisconnect !== null &&
    result.privateError !== null;
  const upgraded = mode !== "upgrade" || (root.io.engine && root.io.engine.transport.name === "websocket");
  if (done && upgraded) finish(null);
}

root.on("connect", () => {
  result.rootId = root.id;
  root.emit("echo", "hello", Buffer.from([1, 2, 3]), (text, bytes) => {
    result.echo = [text, Array.from(new Uint8Array(bytes))];
    maybeDone();
  });
  for (const name of ["slow", "fast"]) {
    root.emit(name, () => {
      result.handlerOrder.push(name);
      maybeDone();
    });
  }
  for (let i = 0; i < FANOUTS; i++) root.emit("fanout", i);
});
root.on("msg", (n) => {
  result.fanout.push(n);
  maybeDone();
});
root.on("welcome", (text, ack) => {
  result.welcome = text;
  ack("thanks");
  maybeDone();
});
root.on("bin", (bytes) => {
  result.bin = Array.from(new Uint8Array(bytes));
  maybeDone();
});
admin.on("connect", () => {
  result.adminId = admin.id;
  admin.emit("whoami", (answer) => {
    result.whoami = answer;
    admin.emit("kick");
  });
});
admin.on("disconnect", (reason) => {
  result.adminDisconnect = reason;
  maybeDone();
});
privateNs.on("connect", () => finish("/private connected despite its middleware"));
privateNs.on("connect_error", (error) => {
  result.privateError = error.message;
  maybeDone();
});
root.on("connect_error", (error) => finish("connect_error on /: " + error.message));
admin.on("connect_error", (error) => finish("connect_error on /admin: " + error.message));
root.io.on("upgrade", () => maybeDone());
root.on("disconnect", (reason) => {
  result.rootDisconnect = reason;
  if (!result.ok) finish("disconnected: " + reason);
});
