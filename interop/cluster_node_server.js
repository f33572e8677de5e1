// A node `socket.io` 4.8.1 server in a cluster through `@socket.io/redis-adapter` 8.3.0
// (`createAdapter`, the classic pub/sub adapter) and the `redis` 4 client, for the
// mixed-cluster tests (runtime-tokio/tests/cluster_mixed.rs).
//
// Usage: node cluster_node_server.js PORT REDIS_PORT NAME
// On `/`, each socket joins the rooms of its auth `{rooms: […]}` and keeps
// `{server: NAME}` as its data. Reads one JSON command per stdin line, prints
// one JSON line per result (and `{"listening": PORT}` once ready).
"use strict";

const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");
const readline = require("readline");

const [port, redisPort, name] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

async function main() {
  const pubClient = createClient({ url: `redis://127.0.0.1:${redisPort}` });
  const subClient = pubClient.duplicate();
  pubClient.on("error", () => {});
  subClient.on("error", () => {});
  await Promise.all([pubClient.connect(), subClient.connect()]);
  const io = new Server({ adapter: createAdapter(pubClient, subClient, { requestsTimeout: 2000 }) });
  io.on("connection", (socket) => {
    for (const room of (socket.handshake.auth && socket.handshake.auth.rooms) || []) {
      socket.join(room);
    }
    socket.data = { server: name };
  });
  // Never acked: a request waiting on this server only ends with its timeout.
  io.on("slow", (arg) => print({ slowEvent: arg }));
  io.on("hello", (arg, callback) => {
    print({ serverSideEvent: arg });
    if (typeof callback === "function") {
      callback(name);
    }
  });
  const select = (command) => {
    let operator = io;
    for (const room of command.to || []) operator = operator.to(room);
    for (const room of command.except || []) operator = operator.except(room);
    return operator;
  };
  const commands = {
    emit: (command) => {
      const arg = command.hex === undefined ? command.arg : Buffer.from(command.hex, "hex");
      select(command).emit(command.event, arg);
      return { emitted: command.event };
    },
    fetch: async (command) => {
      const sockets = await select(command).fetchSockets();
      return { fetched: sockets.map((socket) => ({ id: socket.id, rooms: [...socket.rooms], data: socket.data })) };
    },
    socketsJoin: (command) => {
      select(command).socketsJoin(command.room);
      return { joined: command.room };
    },
    disconnect: (command) => {
      select(command).disconnectSockets(command.close);
      return { disconnected: true };
    },
    serverSideEmit: (command) => {
      io.serverSideEmit(command.event, command.arg);
      return { sent: command.arg };
    },
    serverSideEmitWithAck: async (command) => {
      const answers = await io.serverSideEmitWithAck(command.event, command.arg);
      return { serverAcks: answers };
    },
    emitWithAck: async (command) => {
      try {
        const answers = await select(command).timeout(command.timeout).emitWithAck(command.event, command.arg);
        return { clientAcks: answers };
      } catch (error) {
        return { ackError: error.message };
      }
    },
    allRooms: async () => ({ allRooms: [...(await io.of("/").adapter.allRooms())] }),
    serverCount: async () => ({ serverCount: await io.of("/").adapter.serverCount() }),
  };
  readline.createInterface({ input: process.stdin }).on("line", async (line) => {
    const command = JSON.parse(line);
    try {
      print(await commands[command.cmd](command));
    } catch (error) {
      print({ error: String(error && error.message) });
    }
  });
  process.stdin.on("end", () => process.exit(0));
  io.listen(port);
  print({ listening: port });
}

main().catch((error) => {
  print({ fatal: String(error && error.message) });
  process.exit(1);
});
