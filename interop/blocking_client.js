// One Socket.IO client session over HTTP long-polling against
// socketio-proto's blocking std-only example server
// (`socketio-proto/examples/blocking_server.rs`), with the real npm
// `socket.io-client`:
//
//   /        the server emits `hello` ("world", <binary 1,2,3>);
//            emits `echo` ("hi", <binary 7,8,9>) with an ack: the ack carries both back;
//            the server asks `welcome` ("hi") with an ack: answered "thanks",
//            which the server sends back as `welcome-answer`;
//   /nope    refused: `connect_error` "Invalid namespace".
//
//   node blocking_client.js <url>
//
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}) and
// exits 0 or 1. Never runs longer than TIMEOUT_MS.
"use strict";

const { io } = require("socket.io-client");

const TIMEOUT_MS = 10000;
const [url] = process.argv.slice(2);
if (!url) {
  console.error("usage: node blocking_client.js <url>");
  process.exit(2);
}

const options = { transports: ["polling"], reconnection: false };
const root = io(url, options);
const nope = io(url + "/nope", options);
const result = { ok: false, hello: null, echo: null, welcome: null, welcomeAnswer: null, nopeError: null };

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  console.log(JSON.stringify(result));
  root.disconnect();
  nope.disconnect();
  process.exit(error ? 1 : 0);
}

const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms: " + JSON.stringify(result)), TIMEOUT_MS);

function maybeDone() {
  if (Object.values(result).every((value) => value !== null)) finish(null);
}

const bytes = (value) => (Buffer.isBuffer(value) || value instanceof ArrayBuffer ? Array.from(Buffer.from(value)) : value);

root.on("hello", (text, binary) => {
  result.hello = [text, bytes(binary)];
  maybeDone();
});
root.on("welcome", (text, ack) => {
  result.welcome = text;
  ack("thanks");
});
root.on("welcome-answer", (text) => {
  result.welcomeAnswer = text;
  maybeDone();
});
root.on("connect", () => {
  root.emit("echo", "hi", Buffer.from([7, 8, 9]), (text, binary) => {
    result.echo = [text, bytes(binary)];
    maybeDone();
  });
});
root.on("connect_error", (error) => finish("/ refused: " + error.message));
nope.on("connect_error", (error) => {
  result.nopeError = error.message;
  maybeDone();
});
nope.on("connect", () => finish("/nope was accepted"));
