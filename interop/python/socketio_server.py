"""A python-socketio ASGI server (under uvicorn) for the Rust client's
interop tests (runtime-tokio/tests/client_python.rs).

    python3 socketio_server.py <port>

On `/` and `/admin`:
    on connect      prints {"connection": ns, "auth": ...}, then emits
                    `hello` with "world" and the namespace;
    `echo`          acknowledges with its arguments;
    `ask`           asks the client with `question` (call, 5 s) and prints
                    {"answer": ...} or {"answerError": ...};
    every event     printed as {"event": name, "args": [...], "nsp": ns}
                    (binary arguments as {"_binary": "<base64>"}).
Prints {"listening": port} once it accepts connections. One JSON object per
stdout line; the test kills the process.
"""

import asyncio
import base64
import json
import sys

import socketio
import uvicorn

NAMESPACES = ["/", "/admin"]


def printable(value):
    if isinstance(value, (bytes, bytearray)):
        return {"_binary": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, list):
        return [printable(item) for item in value]
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    return value


def emit_line(value):
    print(json.dumps(value), flush=True)


sio = socketio.AsyncServer(async_mode="asgi", ping_interval=2, ping_timeout=2)


def register(ns):
    async def connect(sid, environ, auth=None):
        emit_line({"connection": ns, "auth": auth})
        await sio.emit("hello", ("world", ns), to=sid, namespace=ns)

    async def echo(sid, *args):
        emit_line({"event": "echo", "args": printable(list(args)), "nsp": ns})
        return args

    async def ask(sid, question):
        emit_line({"event": "ask", "args": [question], "nsp": ns})
        try:
            answer = await sio.call("question", question, to=sid, namespace=ns, timeout=5)
            emit_line({"answer": answer})
        except Exception as error:  # the test reads the failure from stdout
            emit_line({"answerError": repr(error)})

    async def any_event(event, sid, *args):
        emit_line({"event": event, "args": printable(list(args)), "nsp": ns})

    sio.on("connect", connect, namespace=ns)
    sio.on("echo", echo, namespace=ns)
    sio.on("ask", ask, namespace=ns)
    sio.on("*", any_event, namespace=ns)


for namespace in NAMESPACES:
    register(namespace)

app = socketio.ASGIApp(sio)


async def main(port):
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="wsproto", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            sys.exit(1)
        await asyncio.sleep(0.02)
    emit_line({"listening": port})
    await serving


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python3 socketio_server.py <port>")
    asyncio.run(main(int(sys.argv[1])))
