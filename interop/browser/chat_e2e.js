// The chat example in a real browser: headless Chromium (Debian's `chromium`,
// driven by playwright-core) opens two pages of the chat, one pinned to
// long-polling (`?transport=polling`) and one left to upgrade to WebSocket,
// and checks what each page's DOM shows:
//
//   1. both connect (the default page upgrades to websocket), each says
//      something, both messages show in both pages;
//   2. the controller kills the server: both pages notice, and each says
//      something while disconnected;
//   3. the controller restarts the server on the same port: both pages
//      reconnect by themselves, the messages said during the outage show in
//      both pages, and a new message from each shows in both.
//
// The controller (tests/browser_chat.rs) owns the server process. This script
// asks it to act with a stdout line `{"request":"kill-server"}` or
// `{"request":"restart-server"}` and waits for a line on stdin when done.
// The last stdout line is the report: `{"ok":true,"pages":{…},"sent":{…}}`,
// or `{"ok":false,"error":…}`.
//
// Usage: node browser/chat_e2e.js http://127.0.0.1:PORT/
// (`CHROMIUM` overrides the browser, /usr/bin/chromium by default.)
"use strict";

const fs = require("fs");
const readline = require("readline");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// Generous: the reconnection backoff alone can wait 5 s, and the machine may be loaded.
const WAIT_MS = 30000;

const base = process.argv[2];
const steps = [];
let finished = false;

function report(value) {
  if (finished) return;
  finished = true;
  console.log(JSON.stringify(value));
}

// One question to the controller: a request line out, an answer line in.
const answers = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function ask(request) {
  console.log(JSON.stringify({ request }));
  const answer = await answers.next();
  if (answer.done) throw new Error(`the controller closed stdin instead of answering ${request}`);
  steps.push(`${request}: ${answer.value}`);
}

// What a page shows: its connection state, its transport, its chat messages.
async function snapshot(page) {
  return page.evaluate(() => {
    const status = document.getElementById("status");
    return {
      state: status.dataset.state,
      transport: status.dataset.transport,
      messages: [...document.querySelectorAll("#messages li.message .text")].map((text) => text.textContent),
      notes: [...document.querySelectorAll("#messages li.note")].map((note) => note.textContent),
    };
  });
}

async function waitForStatus(page, state, transport) {
  const selector = `#status[data-state="${state}"]` + (transport ? `[data-transport="${transport}"]` : "");
  await page.locator(selector).waitFor({ timeout: WAIT_MS });
}

async function say(page, text) {
  await page.locator("#text").fill(text);
  await page.locator("#text").press("Enter");
}

// Waits until the page shows a chat message whose text is exactly `text`.
async function waitForMessage(page, text) {
  await page.waitForFunction(
    (expected) =>
      [...document.querySelectorAll("#messages li.message .text")].some((node) => node.textContent === expected),
    text,
    { timeout: WAIT_MS },
  );
}

async function main() {
  if (!base) throw new Error("usage: node browser/chat_e2e.js http://127.0.0.1:PORT/");
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` (scripts/test-all.sh does)`);
  }
  const { chromium } = require("playwright-core");
  // playwright gives the browser a fresh temporary --user-data-dir (and refuses one in `args`).
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: WAIT_MS });
  const problems = [];
  const pages = {};
  try {
    // Two contexts: two independent users, as two browsers would be.
    const open = async (name, query) => {
      const page = await (await browser.newContext()).newPage();
      page.on("pageerror", (error) => problems.push(`${name}: ${error.message}`));
      await page.goto(new URL(`?${query}`, base).href, { timeout: WAIT_MS });
      return page;
    };
    pages.polling = await open("polling", "transport=polling&name=polly");
    pages.websocket = await open("websocket", "name=wes");
    const expectedTransport = { polling: "polling", websocket: "websocket" };
    const both = (action) => Promise.all(Object.entries(pages).map(([name, page]) => action(page, name)));
    const sent = { before: [], outage: [], after: [] };
    const sayFromEach = async (phase) => {
      for (const [name, page] of Object.entries(pages)) {
        const text = `${phase}: hello from the ${name} page`;
        sent[phase].push(text);
        await say(page, text);
      }
    };
    const seen = {};

    // 1. Both connected (the default page upgraded), chatting both ways.
    await both((page, name) => waitForStatus(page, "connected", expectedTransport[name]));
    await sayFromEach("before");
    await both((page) => Promise.all(sent.before.map((text) => waitForMessage(page, text))));
    seen.before = Object.fromEntries(await Promise.all(Object.entries(pages).map(async ([n, p]) => [n, await snapshot(p)])));

    // 2. The server dies; both pages notice. The reference client
    // (socket.io-client 4.8, `Socket#emit`) keeps an emit made while the
    // socket is disconnected in its send buffer and sends it right after the
    // next CONNECT (`emitBuffered`), so these must show after the restart.
    await ask("kill-server");
    await both((page) => waitForStatus(page, "disconnected"));
    seen.outage = Object.fromEntries(await Promise.all(Object.entries(pages).map(async ([n, p]) => [n, await snapshot(p)])));
    await sayFromEach("outage");

    // 3. A new server on the same port: both pages reconnect by themselves.
    // The buffered messages reach every page: live if it is already back,
    // otherwise in the `history` it gets on connection.
    await ask("restart-server");
    await both((page, name) => waitForStatus(page, "connected", expectedTransport[name]));
    await both((page) => Promise.all(sent.outage.map((text) => waitForMessage(page, text))));
    await sayFromEach("after");
    await both((page) => Promise.all(sent.after.map((text) => waitForMessage(page, text))));
    seen.after = Object.fromEntries(await Promise.all(Object.entries(pages).map(async ([n, p]) => [n, await snapshot(p)])));

    report({ ok: problems.length === 0, problems, sent, seen, steps });
  } catch (error) {
    const shown = await Promise.all(Object.entries(pages).map(async ([n, p]) => [n, await snapshot(p).catch(String)]));
    report({ ok: false, error: String(error && error.stack ? error.stack : error), problems, steps, shown: Object.fromEntries(shown) });
  } finally {
    await browser.close().catch(() => {});
  }
}

main()
  .catch((error) => report({ ok: false, error: String(error && error.message ? error.message : error), steps }))
  .finally(() => process.exit(0));
