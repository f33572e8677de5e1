// Scenarios of the real npm `socket.io-client` (v4) against the servers of
// `runtime-tokio/tests/socketio_more_*.rs`:
//
//   dynamic    connects `/dynamic-1` and `/dynamic-22` (accepted by the
//              server's dynamic namespace), `/dynamic-666` (refused by the
//              parent's middleware) and `/static` (matched by nothing); each
//              dynamic socket records its `welcome`, emits `ready`, and
//              records the `hello` the server broadcasts on the parent.
//   shortcuts  two sockets `a` and `b` (separate connections) on `/` record
//              every event in arrival order until `done`; `a` answers `ask`
//              acks, `b` never does.
//   bare       one socket on `/` (which the server did not register)
//              records the `hi` the server emits once it sees the socket.
//   order <n>  one socket on `/` records the `seq` numbers until it has <n>
//              of them; the report says whether they came as 0, 1, 2, …
//
//   node socketio_more_client.js <url> <scenario> <polling|websocket> [n]
//
// Prints one JSON line ({"ok":true,...} or {"ok":false,"error":...}) and
// exits 0 or 1. Never runs longer than TIMEOUT_MS.
"use strict";

const { io } = require("socket.io-client");

const TIMEOUT_MS = 15000;
const [url, scenario, mode = "polling", count = "1000"] = process.argv.slice(2);
const transports = { polling: ["polling"], websocket: ["websocket"] }[mode];
if (!url || !transports || !["dynamic", "shortcuts", "bare", "order"].includes(scenario)) {
  console.error("usage: node socketio_more_client.js <url> <dynamic|shortcuts|bare|order> <polling|websocket> [n]");
  process.exit(2);
}

const options = { transports, upgrade: false, reconnection: false };
const result = { ok: false, scenario, mode };
const sockets = [];

function finish(error) {
  clearTimeout(timer);
  if (error) result.error = error;
  result.ok = !error;
  console.log(JSON.stringify(result));
  sockets.forEach((socket) => socket.disconnect());
  process.exit(error ? 1 : 0);
}

const timer = setTimeout(() => finish("timed out after " + TIMEOUT_MS + " ms: " + JSON.stringify(result)), TIMEOUT_MS);

function open(path, extra) {
  const socket = io(url + path, Object.assign({}, options, extra));
  sockets.push(socket);
  return socket;
}

function dynamic() {
  result.welcome = {};
  result.hello = {};
  result.errors = {};
  const maybeDone = () => {
    if (Object.keys(result.hello).length === 2 && Object.keys(result.errors).length === 2) finish(null);
  };
  for (const path of ["/dynamic-1", "/dynamic-22"]) {
    const socket = open(path, { auth: { token: "secret" } });
    socket.on("welcome", (name) => {
      result.welcome[path] = name;
      socket.emit("ready");
    });
    socket.on("hello", (text) => {
      result.hello[path] = text;
      maybeDone();
    });
    socket.on("connect_error", (error) => finish("connect_error on " + path + ": " + error.message));
  }
  for (const path of ["/dynamic-666", "/static"]) {
    const socket = open(path, { auth: { token: "secret" } });
    socket.on("connect", () => finish(path + " connected"));
    socket.on("connect_error", (error) => {
      result.errors[path] = error.message;
      maybeDone();
    });
  }
}

function shortcuts() {
  result.events = { a: [], b: [] };
  const done = new Set();
  for (const name of ["a", "b"]) {
    const socket = open("/", { auth: { name }, forceNew: true });
    socket.onAny((event, ...args) => {
      const last = args[args.length - 1];
      const values = typeof last === "function" ? args.slice(0, -1) : args;
      result.events[name].push([event].concat(values));
      if (event === "ask" && name === "a") last("yes from a");
      if (event === "done") {
        done.add(name);
        if (done.size === 2) finish(null);
      }
    });
    socket.on("connect_error", (error) => finish("connect_error on " + name + ": " + error.message));
  }
}

function bare() {
  const socket = open("/", {});
  socket.on("connect", () => (result.connected = true));
  socket.on("hi", (text) => {
    result.hi = text;
    finish(null);
  });
  socket.on("connect_error", (error) => finish("connect_error: " + error.message));
}

function order() {
  const wanted = Number(count);
  result.received = 0;
  result.firstOutOfOrder = null;
  const socket = open("/", {});
  socket.on("seq", (n) => {
    if (n !== result.received && result.firstOutOfOrder === null) {
      result.firstOutOfOrder = { at: result.received, got: n };
    }
    result.received += 1;
    if (result.received === wanted) finish(null);
  });
  socket.on("connect_error", (error) => finish("connect_error: " + error.message));
}

({ dynamic, shortcuts, bare, order })[scenario]();
