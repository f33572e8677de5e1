// One session of the official Socket.IO v2 client (`socket.io-client@2.5.0`,
// installed as the npm alias `socket.io-client-v2`: Engine.IO 3, Socket.IO
// protocol v4) against a server built with `allow_eio3(true)`, as
// `runtime-tokio/tests/socketio_more_v2.rs` sets it up:
//
//   /        connected implicitly (a v2 client never sends CONNECT for `/`);
//            emits `echo` ("hello", <binary>) with an ack: the ack carries both back;
//            the server emits `welcome` with an ack: answered with "thanks";
//            the server emits `bin` with a binary argument;
//   /admin   connected with the namespace query `token=secret` (v2 auth);
//            emits `whoami` with an ack: answered with the auth the server saw;
//   /private refused by its middleware: an `error` event with the message;
//   /nowhere never registered: an `error` event "Invalid namespace".
//
//   node socketio_more_v2_client.js <url> <polling|websocket|upgrade> [bare]
//
// With `bare` (a server that registered only `/admin`), the client only
// checks that `/` (implicit) and `/admin` both connect.
//
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}) and
// exits 0 or 1. Never runs longer than TIMEOUT_MS.
"use strict";

const io = require("socket.io-client-v2");

const TIMEOUT_MS = 10000;
const [url, mode = "polling", variant] = process.argv.slice(2);
const transports = { polling: ["polling"], websocket: ["websocket"], upgrade: ["polling", "websocket"] }[mode];
if (!url || !transports) {
  console.error("usage: node socketio_more_v2_client.js <url> <polling|websocket|upgrade>");
  process.exit(2);
}

const options = { transports, upgrade: mode === "upgrade", reconnection: false };
if (variant === "bare") {
  bare();
  // Node runs a CommonJS file as a function body: the full scenario below is skipped.
  return;
}
const root = io(url, options);
const admin = io(url + "/admin", Object.assign({ query: { token: "secret" } }, options));
const privateNs = io(url + "/private", options);
const nowhere = io(url + "/nowhere", options);

const result = {
  ok: false,
  mode,
  rootConnected: false,
  adminConnected: false,
  echo: null,
  welcome: null,
  bin: null,
  whoami: null,
  privateError: null,
  nowhereError: null,
  transport: null,
};

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  result.transport = root.io.engine ? root.io.engine.transport.name : null;
  console.log(JSON.stringify(result));
  root.close();
  process.exit(error ? 1 : 0);
}

const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms: " + JSON.stringify(result)), TIMEOUT_MS);

function maybeDone() {
  const done =
    result.echo !== null &&
    result.welcome !== null &&
    result.bin !== null &&
    result.whoami !== null &&
    result.privateError !== null &&
    result.nowhereError !== null;
  const upgraded = mode !== "upgrade" || (root.io.engine && root.io.engine.transport.name === "websocket");
  if (done && upgraded) finish(null);
}

root.on("connect", () => {
  result.rootConnected = true;
  root.emit("echo", "hello", Buffer.from([1, 2, 3]), (text, bytes) => {
    result.echo = [text, Array.from(new Uint8Array(bytes))];
    maybeDone();
  });
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
  result.adminConnected = true;
  admin.emit("whoami", (answer) => {
    result.whoami = answer;
    maybeDone();
  });
});
privateNs.on("connect", () => finish("/private connected despite its middleware"));
privateNs.on("error", (error) => {
  result.privateError = error;
  maybeDone();
});
nowhere.on("connect", () => finish("/nowhere connected though never registered"));
nowhere.on("error", (error) => {
  result.nowhereError = error;
  maybeDone();
});
root.on("error", (error) => finish("error on /: " + JSON.stringify(error)));
admin.on("error", (error) => finish("error on /admin: " + JSON.stringify(error)));
root.io.on("upgrade", () => maybeDone());
root.on("disconnect", (reason) => {
  if (!result.ok) finish("disconnected: " + reason);
});

function bare() {
  const connected = new Set();
  const finishBare = (error) => {
    console.log(JSON.stringify({ ok: !error, error: error || undefined, connected: Array.from(connected).sort() }));
    process.exit(error ? 1 : 0);
  };
  setTimeout(() => finishBare("timed out; connected: " + Array.from(connected)), TIMEOUT_MS);
  for (const path of ["/", "/admin"]) {
    const socket = io(url + path, options);
    socket.on("connect", () => {
      connected.add(path);
      if (connected.size === 2) finishBare(null);
    });
    socket.on("error", (error) => finishBare("error on " + path + ": " + JSON.stringify(error)));
  }
}
