// The demo's check (`DEMO_CHECK=1 bash scripts/demo.sh`): the chat example
// serves its page and the browser client, and two official socket.io-client
// connections (one starts on long-polling and upgrades, one is
// WebSocket-only) chat through it: each says hello, the other hears it; then
// they leave. Exits 0 when all expected events arrived, 1 otherwise (10 s at
// most).
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

// The page, and the browser client it loads.
async function checkPage() {
  const page = await fetch(`${url}/`);
  const html = await page.text();
  const script = html.match(/<script src="([^"]+)"/);
  if (page.status !== 200 || !script) throw new Error(`the page: ${page.status}, ${html.slice(0, 200)}`);
  const client = await fetch(new URL(script[1], url));
  const js = await client.text();
  if (client.status !== 200 || !js.includes("Socket.IO")) throw new Error(`${script[1]}: ${client.status}`);
  log("page", `${url}/ loads ${script[1]} (${js.length} bytes)`);
}

async function chat() {
  const alice = client("alice", ["polling", "websocket"]);
  const bob = client("bob", ["websocket"]);

  let connected = 0;
  for (const [name, socket] of [["alice", alice], ["bob", bob]]) {
    socket.on("connect", () => {
      log(name, `connected as ${socket.id} over ${socket.io.engine.transport.name}`);
      if (++connected === 2) {
        alice.emit("say", { name: "alice", text: "hello from alice" }, (ack) => log("alice", `ack: ${ack}`));
        bob.emit("say", { name: "bob", text: "hi alice, bob here" }, (ack) => log("bob", `ack: ${ack}`));
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
}

checkPage().then(chat, (error) => {
  console.log(`demo: ${error.message}`);
  process.exit(1);
});
setTimeout(() => {
  console.log("demo: timed out");
  process.exit(1);
}, 10000);
