// The demo's clients: two official socket.io-client connections to the chat
// example (one starts on long-polling and upgrades, one is WebSocket-only).
// Each says hello, the other hears it; then they leave. Exits 0 when all
// expected events arrived, 1 otherwise (10 s at most).
const { io } = require("socket.io-client");

const url = process.argv[2] || "http://127.0.0.1:3000";
const seen = [];
const log = (who, what) => {
  seen.push(`${who}: ${what}`);
  console.log(`${who.padEnd(6)} ${what}`);
};

function client(name, transports) {
  const socket = io(url, { transports, reconnection: false });
  socket.on("welcome", (text) => log(name, `welcome: ${text}`));
  socket.on("said", ({ from, text }) => log(name, `heard ${from === socket.id ? "myself" : "the other"}: ${text}`));
  socket.on("left", () => log(name, "heard the other leave"));
  socket.io.engine && socket.io.engine.on("upgrade", (t) => log(name, `upgraded to ${t.name}`));
  return socket;
}

const alice = client("alice", ["polling", "websocket"]);
const bob = client("bob", ["websocket"]);

let connected = 0;
for (const [name, socket] of [["alice", alice], ["bob", bob]]) {
  socket.on("connect", () => {
    log(name, `connected as ${socket.id} over ${socket.io.engine.transport.name}`);
    if (++connected === 2) {
      alice.emit("say", "hello from alice", (ack) => log("alice", `ack: ${ack}`));
      bob.emit("say", "hi alice, bob here", (ack) => log("bob", `ack: ${ack}`));
      setTimeout(() => bob.disconnect(), 500);
      setTimeout(() => {
        alice.disconnect();
        const ok = seen.filter((line) => line.includes("heard")).length >= 4 && seen.some((l) => l.includes("ack: delivered"));
        console.log(ok ? "demo: ok" : "demo: some events did not arrive");
        process.exit(ok ? 0 : 1);
      }, 1000);
    }
  });
  socket.on("connect_error", (error) => {
    console.log(`${name} could not connect: ${error.message}`);
    process.exit(1);
  });
}
setTimeout(() => {
  console.log("demo: timed out");
  process.exit(1);
}, 10000);
