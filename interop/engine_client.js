// One Engine.IO client session against a server under test, with the real
// npm `engine.io-client`: connect, send a text and a binary message, wait
// for both echoes, close, and print one JSON line with what happened.
//
//   node engine_client.js <url> <polling|websocket|upgrade> [v4|v3]
//
// Exits 0 with {"ok":true,...} when both echoes came back (and, in upgrade
// mode, after the `upgrade` event); otherwise prints {"ok":false,"error":...}
// and exits 1. Never runs longer than TIMEOUT_MS.
"use strict";

const TIMEOUT_MS = 10000;
const [url, mode = "polling", version = "v4"] = process.argv.slice(2);

const transports = { polling: ["polling"], websocket: ["websocket"], upgrade: ["polling", "websocket"] }[mode];
if (!url || !transports) {
  console.error("usage: node engine_client.js <url> <polling|websocket|upgrade> [v4|v3]");
  process.exit(2);
}

const options = { transports, upgrade: mode === "upgrade" };
const socket =
  version === "v3"
    ? require("engine.io-client-v3")(url, options)
    : new (require("engine.io-client").Socket)(url, options);

const result = { ok: false, version, mode, opened: false, upgraded: false, transport: null, text: null, binary: null };
const sentBinary = [1, 2, 3, 250];

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  console.log(JSON.stringify(result));
  socket.close();
  process.exit(error ? 1 : 0);
}

const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms"), TIMEOUT_MS);

function maybeDone() {
  const echoed = result.text !== null && result.binary !== null;
  if (echoed && (mode !== "upgrade" || result.upgraded)) {
    result.transport = socket.transport.name;
    finish(null);
  }
}

function sendBoth() {
  socket.send("hello");
  socket.send(Buffer.from(sentBinary));
}

socket.on("open", () => {
  result.opened = true;
  // In upgrade mode the messages go out after the upgrade, on the WebSocket.
  if (mode !== "upgrade") sendBoth();
});
socket.on("upgrade", () => {
  result.upgraded = true;
  if (mode === "upgrade") sendBoth();
});
socket.on("message", (data) => {
  if (typeof data === "string") result.text = data;
  else result.binary = Array.from(new Uint8Array(data));
  maybeDone();
});
socket.on("error", (error) => finish("error: " + String(error && error.message ? error.message : error)));
socket.on("close", (reason) => {
  if (!result.ok) finish("closed: " + String(reason));
});
