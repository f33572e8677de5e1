// Encodes Socket.IO packets with the real socket.io-msgpack-parser and writes
// one `<name>.bin` per packet plus `manifest.json` describing what each one
// decodes to in socketio-proto's packet model.
//
// Usage: node capture.js <output directory>
"use strict";

const fs = require("fs");
const path = require("path");
const parser = require("socket.io-msgpack-parser");

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node capture.js <output directory>");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

// Replaces binary values with socket.io-parser placeholders, depth first, the
// way socketio-proto's Args keep them; `undefined` follows JSON.stringify.
function deconstruct(value, attachments) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = Buffer.from(value instanceof ArrayBuffer ? new Uint8Array(value) : value);
    attachments.push(bytes.toString("hex"));
    return { _placeholder: true, num: attachments.length - 1 };
  }
  if (Array.isArray(value)) return value.map((item) => deconstruct(item, attachments));
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value)) out[key] = deconstruct(value[key], attachments);
    return out;
  }
  return value;
}

// What socketio-proto decodes the packet into.
function expected(packet) {
  const out = { type: packet.type, nsp: packet.nsp, id: packet.id === undefined ? null : packet.id };
  switch (packet.type) {
    case 0:
      out.connect = packet.data === undefined ? null : JSON.stringify(packet.data);
      break;
    case 1:
      break;
    case 4:
      out.connect_error = JSON.stringify(packet.data);
      break;
    case 2: {
      const attachments = [];
      const [name, ...args] = deconstruct(packet.data, attachments);
      out.event_name = typeof name === "number" ? { number: String(name) } : { text: name };
      out.args_json = JSON.stringify(args).slice(1, -1);
      out.attachments = attachments;
      break;
    }
    case 3: {
      const attachments = [];
      out.args_json = JSON.stringify(deconstruct(packet.data, attachments)).slice(1, -1);
      out.attachments = attachments;
      break;
    }
  }
  return out;
}

const sixteenKeys = {};
for (let i = 0; i < 16; i++) sixteenKeys["k" + i] = i;

// byte_identical: socketio-proto's encoder writes the same bytes (it uses the
// key order of the reference server: {type, data, id?, nsp}, ACK {id, type,
// data, nsp}, and omits absent values instead of writing `undefined`).
// error: socketio-proto refuses the packet (the value is the error kind).
const cases = [
  // Client CONNECT without auth: the client sends `data: undefined`.
  { name: "connect_client_without_auth", packet: { type: 0, data: undefined, nsp: "/" }, byte_identical: false },
  { name: "connect_client_with_auth", packet: { type: 0, data: { token: "abc", n: 1 }, nsp: "/" }, byte_identical: true },
  { name: "connect_namespace_with_auth", packet: { type: 0, data: { token: "secret" }, nsp: "/admin" }, byte_identical: true },
  // Server reply without connection state recovery: `pid: undefined`.
  { name: "connect_reply_sid", packet: { type: 0, data: { sid: "FDkJm9vdHtK8dGyJAAAB", pid: undefined }, nsp: "/" }, byte_identical: false },
  { name: "connect_reply_sid_pid", packet: { type: 0, data: { sid: "FDkJm9vdHtK8dGyJAAAB", pid: "pJ3hS0nQmAAAC" }, nsp: "/" }, byte_identical: true },
  { name: "connect_without_data", packet: { type: 0, nsp: "/chat" }, byte_identical: true },
  { name: "connect_error_message_data", packet: { type: 4, data: { message: "not authorized", data: { code: 42 } }, nsp: "/" }, byte_identical: true },
  // client.js refuses an unknown namespace with keys in the order {type, nsp, data}.
  { name: "connect_error_invalid_namespace", packet: { type: 4, nsp: "/nope", data: { message: "Invalid namespace" } }, byte_identical: false },
  { name: "connect_error_string", packet: { type: 4, data: "refused", nsp: "/" }, byte_identical: true },
  { name: "disconnect", packet: { type: 1, nsp: "/chat" }, byte_identical: true },
  { name: "event_without_arguments", packet: { type: 2, data: ["ping"], nsp: "/" }, byte_identical: true },
  { name: "event_strings", packet: { type: 2, data: ["message", "hello", "w\u00f6rld \u2713 \ud83d\ude00", "x".repeat(40), "y".repeat(300), ""], nsp: "/" }, byte_identical: true },
  {
    name: "event_numbers",
    packet: {
      type: 2,
      data: ["numbers", 0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991,
        -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -9007199254740991, 1.5, -0.25, 0.1],
      nsp: "/",
    },
    byte_identical: true,
  },
  {
    name: "event_nested",
    packet: {
      type: 2,
      data: ["nested", { a: [1, { b: null, c: true, d: false }], "a key longer than thirty-one bytes": [] }, {}, sixteenKeys,
        Array.from({ length: 16 }, (_, i) => i)],
      nsp: "/chat",
    },
    byte_identical: true,
  },
  { name: "event_binary", packet: { type: 2, data: ["upload", Buffer.from([1, 2, 3]), { name: "a.bin", file: Buffer.alloc(300, 7) }, Buffer.alloc(0)], nsp: "/" }, byte_identical: true },
  { name: "event_with_ack_id", packet: { type: 2, data: ["question", "why?"], id: 12, nsp: "/" }, byte_identical: true },
  // socket.io-client adds `options` to the packet it encodes.
  { name: "event_from_client", packet: { type: 2, data: ["hi", 1], options: { compress: true }, id: 0, nsp: "/" }, byte_identical: false },
  { name: "event_numeric_name", packet: { type: 2, data: [42, "x"], nsp: "/" }, byte_identical: true },
  // Node encodes a Uint8Array as ext type 0 (ArrayBuffer), not bin.
  { name: "event_uint8array", packet: { type: 2, data: ["bytes", new Uint8Array([9, 8, 7])], nsp: "/" }, byte_identical: false },
  { name: "event_undefined_values", packet: { type: 2, data: ["u", undefined, { a: undefined, b: 1 }], nsp: "/" }, byte_identical: false },
  { name: "ack_binary", packet: { id: 12, type: 3, data: ["ok", Buffer.from("bytes")], nsp: "/" }, byte_identical: true },
  { name: "ack_without_arguments", packet: { id: 3000000000, type: 3, data: [], nsp: "/" }, byte_identical: true },
  // socket.io-client writes ACK keys as {type, id, data}.
  { name: "ack_from_client", packet: { type: 3, id: 7, data: [null], nsp: "/admin" }, byte_identical: false },
  // Refused: no place for these in the JSON argument model.
  { name: "event_date", packet: { type: 2, data: ["when", new Date(0)], nsp: "/" }, error: "unsupported_extension" },
  { name: "event_nan", packet: { type: 2, data: ["nan", NaN], nsp: "/" }, error: "non_finite_float" },
];

const manifest = [];
for (const entry of cases) {
  const encoded = new parser.Encoder().encode(entry.packet);
  if (encoded.length !== 1) throw new Error(entry.name + ": expected one message");
  const bytes = Buffer.from(encoded[0]);
  // The real decoder accepts every vector.
  const decoder = new parser.Decoder();
  decoder.on("decoded", () => {});
  decoder.add(bytes);
  fs.writeFileSync(path.join(outDir, entry.name + ".bin"), bytes);
  const record = { name: entry.name, file: entry.name + ".bin", hex: bytes.toString("hex") };
  if (entry.error) {
    record.error = entry.error;
  } else {
    record.byte_identical = entry.byte_identical;
    record.expected = expected(entry.packet);
  }
  manifest.push(record);
}
fs.writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log("wrote " + manifest.length + " packets to " + outDir);
