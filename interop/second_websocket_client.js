// A client that opens a second WebSocket for a session already upgraded to
// its first one, with the `ws` package (the WebSocket client of
// engine.io-client and of the official Engine.IO protocol test suite),
// against an Engine.IO echo server:
//
//   1. polling handshake (GET ?EIO=<v>&transport=polling), read the sid;
//   2. first WebSocket with that sid: `2probe` → `3probe`, `5`, then
//      `4upgraded` echoed (so the server has completed the upgrade);
//   3. second WebSocket with the same sid: records whether it opened, the
//      close code it got, or the handshake error (e.g. "Unexpected server
//      response: 400");
//   4. `4hello` on the first WebSocket: records the echo.
//
//   node second_websocket_client.js <url> [4|3]
//
// Prints one JSON line: {"ok":true,"secondOpened":…,"secondCloseCode":…,
// "secondError":…,"echo":…} once step 4 is done (ok is false with "error"
// when a step failed). Never runs longer than TIMEOUT_MS.
"use strict";

const WebSocket = require("ws");

const TIMEOUT_MS = 10000;
const [url, eio = "4"] = process.argv.slice(2);
if (!url || !["3", "4"].includes(eio)) {
  console.error("usage: node second_websocket_client.js <url> [4|3]");
  process.exit(2);
}

const result = { ok: false, eio, secondOpened: false, secondCloseCode: null, secondError: null, echo: null };
const sockets = [];

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  console.log(JSON.stringify(result));
  for (const socket of sockets) socket.terminate();
  process.exit(error ? 1 : 0);
}

const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms"), TIMEOUT_MS);

function websocketUrl(sid) {
  return url.replace(/^http/, "ws") + `/engine.io/?EIO=${eio}&transport=websocket&sid=${encodeURIComponent(sid)}`;
}

// The next text message of `socket`.
function nextMessage(socket) {
  return new Promise((resolve, reject) => {
    socket.once("message", (data) => resolve(data.toString()));
    socket.once("close", (code) => reject(new Error("closed with " + code)));
  });
}

function opened(socket) {
  return new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
}

async function main() {
  const handshake = await fetch(`${url}/engine.io/?EIO=${eio}&transport=polling`);
  const body = await handshake.text();
  const sid = (/"sid":"([^"]+)"/.exec(body) || [])[1];
  if (!sid) throw new Error("no sid in the handshake answer " + JSON.stringify(body));

  const first = new WebSocket(websocketUrl(sid));
  sockets.push(first);
  await opened(first);
  first.send("2probe");
  const probe = await nextMessage(first);
  if (probe !== "3probe") throw new Error("probe answered with " + JSON.stringify(probe));
  first.send("5");
  first.send("4upgraded");
  const upgraded = await nextMessage(first);
  if (upgraded !== "4upgraded") throw new Error("first echo " + JSON.stringify(upgraded));

  const second = new WebSocket(websocketUrl(sid));
  sockets.push(second);
  second.on("open", () => (result.secondOpened = true));
  second.on("error", (error) => (result.secondError = String(error.message || error)));
  await new Promise((resolve) => second.once("close", (code) => resolve((result.secondCloseCode = code))));

  first.send("4hello");
  result.echo = await nextMessage(first);
}

main().then(() => finish(null), (error) => finish(String(error && error.message ? error.message : error)));
