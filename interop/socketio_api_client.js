// Real npm `socket.io-client` peers for `runtime-tokio/tests/socketio_api_*.rs`.
//
//   node socketio_api_client.js <url> recovery
//     One client with reconnection: on its first `hello` it drops the
//     Engine.IO connection (`socket.io.engine.close()`: "transport close" on
//     the server, a recoverable reason) and reconnects; records the `missed`
//     events, both connections' ids and `socket.recovered`, and asks the
//     server `state` (ack) once back. Ends when the state arrived.
//
//   node socketio_api_client.js <url> group <clients> <answering>
//     <clients> clients over WebSocket, each with auth {index} and header
//     x-peer: peer-<index>; each emits `hi` <index> once connected; client i answers `question` acks with i when
//     i < <answering>; records every event it hears (but `question`) and its
//     disconnect reason. Ends when every client heard `done` or disconnected.
//
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}) and
// exits 0 or 1. Never runs longer than TIMEOUT_MS.
"use strict";

const { io } = require("socket.io-client");

const TIMEOUT_MS = 10000;
const [url, scenario, ...rest] = process.argv.slice(2);

const result = { ok: false, scenario };
const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms: " + JSON.stringify(result)), TIMEOUT_MS);
const sockets = [];

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  console.log(JSON.stringify(result));
  for (const socket of sockets) socket.disconnect();
  process.exit(error ? 1 : 0);
}

function recovery() {
  const socket = io(url, {
    transports: ["websocket"],
    reconnectionDelay: 200,
    reconnectionDelayMax: 200,
    randomizationFactor: 0,
  });
  sockets.push(socket);
  Object.assign(result, { firstId: null, firstRecovered: null, secondId: null, recovered: null, missed: [], state: null });
  let dropped = false;
  socket.on("hello", () => {
    if (!dropped) {
      dropped = true;
      socket.io.engine.close();
    }
  });
  socket.on("missed", (value) => result.missed.push(value));
  socket.on("connect", () => {
    if (result.firstId === null) {
      result.firstId = socket.id;
      result.firstRecovered = socket.recovered === true;
      return;
    }
    result.secondId = socket.id;
    result.recovered = socket.recovered === true;
    socket.emit("state", (state) => {
      result.state = state;
      finish(null);
    });
  });
}

function group(clients, answering) {
  result.received = [];
  result.disconnects = [];
  let ended = 0;
  const end = (index, field, value) => {
    if (result[field][index] !== null) return;
    result[field][index] = value;
    ended += 1;
    if (ended === clients) finish(null);
  };
  result.done = [];
  for (let index = 0; index < clients; index++) {
    result.received.push([]);
    result.disconnects.push(null);
    result.done.push(null);
    const socket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { index },
      extraHeaders: { "x-peer": "peer-" + index },
    });
    sockets.push(socket);
    socket.on("question", (value, ack) => {
      if (index < answering) ack(index);
    });
    socket.onAny((name, ...args) => {
      if (name === "done") return end(index, "done", true);
      if (name !== "question") result.received[index].push([name, ...args]);
    });
    socket.on("disconnect", (reason) => {
      if (result.done[index] === null) end(index, "disconnects", reason);
    });
    socket.on("connect", () => socket.emit("hi", index));
    socket.on("connect_error", (error) => finish("client " + index + ": connect_error " + error.message));
  }
}

if (scenario === "recovery") {
  recovery();
} else if (scenario === "group" && rest.length === 2) {
  group(Number(rest[0]), Number(rest[1]));
} else {
  console.error("usage: node socketio_api_client.js <url> recovery | group <clients> <answering>");
  process.exit(2);
}
