// A real npm `socket.io` 4.8.1 server for the Rust client's interop tests
// (`runtime-tokio/tests/client_interop.rs` and the scenario suite of
// `runtime-async-std/tests/scenarios/client.rs`).
//
//   node server_socketio.js <port>
//
// On `/`, `/admin` and `/private`:
//   on connection   emits `hello` with "world" (and the namespace);
//   `echo`          acknowledges with its arguments;
//   `drop_connection` closes the client's Engine.IO connection (the client
//                   reconnects to this same server);
//   `drop_and_broadcast` (count) closes it too, then broadcasts `missed`
//                   0..count-1 to the namespace (replayed to a client that
//                   recovers its session, with RECOVERY=1);
//   `flaky` (seq)   acknowledged only from its second receipt on;
//   `ask`           asks the client with `question` (emitWithAck, 5 s) and
//                   prints {"answer":...};
//   any event       printed as {"event":name,"args":[...],"nsp":...} in arrival order.
// `/private` admits only a socket whose `handshake.auth.token` is "s3cret"
// (a middleware), refusing others with "not authorized".
// Prints {"listening":port} once bound, {"connection":nsp,"transport":...,"auth":...,
// "query":<handshake.query>,"header":<the x-client-test request header>} per socket, {"upgraded":transport,"nsp":...} when its connection upgrades and
// {"disconnect":nsp,"reason":...} when it leaves.
// One JSON object per stdout line; the test kills the process.
//
// With TLS_CERT_FILE and TLS_KEY_FILE (PEM files) in the environment it
// serves HTTPS (and so WSS) instead of HTTP.
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node server_socketio.js <port>");
  process.exit(2);
}

const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");
// ALLOW_EIO3=1 also admits Socket.IO v2 clients (Engine.IO 3); RECOVERY=1
// turns connection state recovery on.
const io = new Server({
  pingInterval: 2000,
  pingTimeout: 2000,
  allowEIO3: process.env.ALLOW_EIO3 === "1",
  ...(process.env.RECOVERY === "1"
    ? { connectionStateRecovery: { maxDisconnectionDuration: 60000, skipMiddlewares: true } }
    : {}),
});

const flakyReceipts = new Map();

for (const nsp of ["/", "/admin", "/private"]) {
  io.of(nsp).on("connection", (socket) => {
    const header = socket.handshake.headers["x-client-test"] ?? null;
    print({
      connection: nsp,
      transport: socket.conn.transport.name,
      auth: socket.handshake.auth,
      query: socket.handshake.query,
      header,
      recovered: socket.recovered,
    });
    socket.on("disconnect", (reason) => print({ disconnect: nsp, reason }));
    socket.conn.once("upgrade", (transport) => print({ upgraded: transport.name, nsp }));
    socket.onAny((event, ...args) => {
      const plain = args.filter((arg) => typeof arg !== "function");
      print({ event, args: plain, nsp });
    });
    socket.on("echo", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("drop_connection", () => socket.conn.close());
    // Closes the client's connection, then broadcasts `missed` 0..count-1 to
    // the namespace while the client is away.
    socket.on("drop_and_broadcast", (count) => {
      socket.conn.close();
      for (let i = 0; i < count; i++) io.of(nsp).emit("missed", i);
      print({ broadcast: count, nsp });
    });
    // Acknowledges only the second and later receipts of a sequence number,
    // as a server that loses acks would.
    socket.on("flaky", (seq, ack) => {
      const receipts = (flakyReceipts.get(seq) ?? 0) + 1;
      flakyReceipts.set(seq, receipts);
      if (receipts >= 2 && typeof ack === "function") ack(seq);
    });
    socket.on("ask", async (question) => {
      try {
        const answer = await socket.timeout(5000).emitWithAck("question", question);
        print({ answer });
      } catch (error) {
        print({ answerError: String(error) });
      }
    });
    socket.emit("hello", "world", nsp);
  });
}

io.of("/private").use((socket, next) =>
  socket.handshake.auth.token === "s3cret" ? next() : next(new Error("not authorized")),
);

const tls = process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE;
const httpServer = tls
  ? https.createServer({
      cert: fs.readFileSync(process.env.TLS_CERT_FILE),
      key: fs.readFileSync(process.env.TLS_KEY_FILE),
    })
  : http.createServer();
io.attach(httpServer);
httpServer.on("error", (error) => {
  console.error(String(error));
  process.exit(1);
});
httpServer.listen(port, "127.0.0.1", () => print({ listening: port, tls: Boolean(tls) }));
