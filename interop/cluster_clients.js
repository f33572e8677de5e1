// `socket.io-client` 4.8.1 clients for the mixed-cluster tests
// (runtime-tokio/tests/cluster_mixed.rs), each on one server of the cluster.
//
// Usage: node cluster_clients.js [--polling] [--reconnect] NAME=URL=ROOM,ROOM …
// WebSocket only by default; with `--polling`, long-polling only, keeping
// cookies (`withCredentials`) as a browser would, for a sticky load balancer.
// No reconnection by default; with `--reconnect`, the client's own
// reconnection (100 ms to 500 ms apart), as in runtime-tokio/tests/cluster_failover_polling.rs.
// Each client joins `/` with auth `{rooms}`, prints `{"ready": NAME}` once
// connected, `{"client": NAME, "news": ARG}` for each `news` event,
// `{"client": NAME, "bin": HEX}` for each `bin` event (null unless binary),
// `{"client": NAME, "disconnect": REASON}` when it leaves, and acks
// each `question` with its NAME. Exits when stdin closes.
"use strict";

const { io } = require("socket.io-client");

const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const flags = process.argv.slice(2).filter((arg) => arg.startsWith("--"));
const polling = flags.includes("--polling");
const reconnect = flags.includes("--reconnect");
for (const spec of process.argv.slice(2).filter((arg) => !arg.startsWith("--"))) {
  const [name, url, rooms] = spec.split("=");
  const socket = io(url, {
    auth: { rooms: rooms ? rooms.split(",") : [] },
    transports: polling ? ["polling"] : ["websocket"],
    withCredentials: polling,
    reconnection: reconnect,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  });
  socket.on("connect", () => print({ ready: name, id: socket.id }));
  socket.on("news", (arg) => print({ client: name, news: arg }));
  socket.on("bin", (arg) => print({ client: name, bin: Buffer.isBuffer(arg) ? arg.toString("hex") : null }));
  socket.on("question", (_arg, callback) => callback(name));
  socket.on("disconnect", (reason) => print({ client: name, disconnect: reason }));
  socket.on("connect_error", (error) => print({ client: name, connectError: error.message }));
}
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
