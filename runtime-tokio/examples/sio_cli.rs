//! `sio_cli`: a Socket.IO client on the command line, for scripts and for
//! debugging a server. Its interface is fixed (issue #5): scripts outside the
//! crate drive it.
//!
//! ```text
//! sio_cli URL [--namespace NS]... [--transport polling|websocket|both]
//!             [--auth JSON] [--eio 3|4] [--retries N] [--ack-timeout MS]
//! ```
//!
//! It joins every namespace (`/` when none is given) over one connection and
//! prints one JSON object per line on stdout for everything that happens:
//!
//! ```text
//! {"ns":"/","type":"connect"}
//! {"ns":"/","type":"event","event":"x","args":[...]}      binary args as {"_binary":"<base64>"}
//! {"ns":"/","type":"ack","id":N,"args":[...]}             N is the caller's id of the emit
//! {"type":"disconnect","reason":"..."}                   once per namespace socket, as the interface fixes it
//! {"type":"reconnect_attempt","n":N}
//! {"type":"connect_error","message":"..."}
//! {"ns":"/","type":"emit_error","id":N,"message":"..."}   the emit was refused or its ack will not come
//! ```
//!
//! and reads one JSON object per line on stdin:
//!
//! ```text
//! {"ns":"/","emit":"x","args":[...],"ack":true,"id":N}    ns defaults to "/", args to [], ack to false
//! {"close":true}
//! ```
//!
//! Emits typed while disconnected are buffered and sent in order once the
//! namespace is joined again, as the library does. Exit: `{"close":true}`
//! closes at once and exits 0; the end of stdin waits until every namespace
//! was joined (or refused) and every acknowledgement asked for arrived (or
//! failed), then closes and exits 0; the client giving up (reconnection
//! failed, every namespace refused) exits 1; bad arguments exit 2.
//!
//! Try it: `node interop/server_socketio.js 3000`, then
//! `echo '{"emit":"echo","args":[1],"ack":true,"id":7}' | cargo run -p runtime-tokio --example sio_cli -- http://127.0.0.1:3000`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use runtime_tokio::client::{Args, Client, ClientBuilder, ClientError, ClientSocket, ProtocolVersion, TransportKind};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use socketio_proto::Binary;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const USAGE: &str = "usage: sio_cli URL [--namespace NS]... [--transport polling|websocket|both] [--auth JSON] \
                     [--eio 3|4] [--retries N] [--ack-timeout MS]";

/// The command line.
#[derive(Debug)]
struct Options {
    url: String,
    namespaces: Vec<String>,
    transports: &'static [TransportKind],
    auth: Option<Value>,
    protocol: ProtocolVersion,
    retries: u32,
    ack_timeout: Option<Duration>,
}

/// Parses the arguments after the program name.
fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut url = None;
    let mut options = Options {
        url: String::new(),
        namespaces: Vec::new(),
        transports: &[TransportKind::Polling, TransportKind::WebSocket],
        auth: None,
        protocol: ProtocolVersion::V4,
        retries: 0,
        ack_timeout: None,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--namespace" => options.namespaces.push(namespace_path(&value("--namespace")?)),
            "--transport" => {
                options.transports = match value("--transport")?.as_str() {
                    "polling" => &[TransportKind::Polling],
                    "websocket" => &[TransportKind::WebSocket],
                    "both" => &[TransportKind::Polling, TransportKind::WebSocket],
                    other => return Err(format!("--transport {other}: expected polling, websocket or both")),
                }
            }
            "--auth" => {
                let text = value("--auth")?;
                let auth: Value = serde_json::from_str(&text).map_err(|error| format!("--auth {text}: {error}"))?;
                if !auth.is_object() {
                    return Err(format!("--auth {text}: expected a JSON object"));
                }
                options.auth = Some(auth);
            }
            "--eio" => {
                options.protocol = match value("--eio")?.as_str() {
                    "3" => ProtocolVersion::V3,
                    "4" => ProtocolVersion::V4,
                    other => return Err(format!("--eio {other}: expected 3 or 4")),
                }
            }
            "--retries" => {
                let text = value("--retries")?;
                options.retries = text.parse().map_err(|_| format!("--retries {text}: expected a count"))?;
            }
            "--ack-timeout" => {
                let text = value("--ack-timeout")?;
                let millis: u64 = text.parse().map_err(|_| format!("--ack-timeout {text}: expected milliseconds"))?;
                options.ack_timeout = Some(Duration::from_millis(millis));
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if url.is_none() => url = Some(arg),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    options.url = url.ok_or("the server URL is missing")?;
    if options.namespaces.is_empty() {
        options.namespaces.push(String::from("/"));
    }
    Ok(options)
}

/// `admin` as `/admin`.
fn namespace_path(namespace: &str) -> String {
    if namespace.starts_with('/') {
        namespace.to_string()
    } else {
        format!("/{namespace}")
    }
}

/// One stdout line, its keys in the documented order (`ns`, `type`, then
/// the rest).
#[derive(Debug, Default, Serialize)]
struct Line<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

/// Prints one JSON line on stdout (a closed stdout is not an error here).
fn print(line: &Line<'_>) {
    let Ok(text) = serde_json::to_string(line) else {
        return;
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

/// The `emit_error` line of the emit `id`.
fn emit_error(ns: &str, id: &Value, message: &str) {
    print(&Line { ns: Some(ns), kind: "emit_error", id: Some(id), message: Some(message), ..Line::default() });
}

/// The arguments as JSON, binary attachments as `{"_binary":"<base64>"}`.
fn args_to_json(args: &Args) -> Value {
    match args.to_owned_value::<Vec<Value>>() {
        Ok(values) => Value::Array(values.into_iter().map(|value| with_base64(value, args)).collect()),
        Err(error) => json!({ "_undecodable": error.to_string() }),
    }
}

/// `value` with every attachment placeholder replaced by its base64 form.
fn with_base64(value: Value, args: &Args) -> Value {
    match value {
        Value::Object(map) => {
            let is_placeholder = map.len() == 2 && map.get("_placeholder") == Some(&Value::Bool(true));
            let attachment = map.get("num").and_then(Value::as_u64).and_then(|num| {
                let index = usize::try_from(num).ok()?;
                args.attachments().get(index)
            });
            match attachment {
                Some(bytes) if is_placeholder => json!({ "_binary": BASE64.encode(bytes) }),
                _ => Value::Object(map.into_iter().map(|(key, value)| (key, with_base64(value, args))).collect()),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|item| with_base64(item, args)).collect()),
        other => other,
    }
}

/// A JSON value whose `{"_binary":"<base64>"}` objects serialize as binary
/// attachments.
struct WithBinary<'a>(&'a Value);

impl Serialize for WithBinary<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                if let (1, Some(Value::String(encoded))) = (map.len(), map.get("_binary")) {
                    let bytes =
                        BASE64.decode(encoded).map_err(|error| S::Error::custom(format!("_binary: {error}")))?;
                    return Binary(bytes.into()).serialize(serializer);
                }
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    out.serialize_entry(key, &WithBinary(value))?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&WithBinary(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// One stdin line.
#[derive(Debug, serde::Deserialize)]
struct Input {
    #[serde(default)]
    ns: Option<String>,
    #[serde(default)]
    emit: Option<String>,
    #[serde(default)]
    args: Vec<Value>,
    #[serde(default)]
    ack: bool,
    #[serde(default)]
    id: Value,
    #[serde(default)]
    close: bool,
}

/// Why the client gives up by itself.
enum GiveUp {
    ReconnectFailed,
    EveryNamespaceRefused,
}

/// The client and its namespace sockets, each with its printing handlers.
struct Session {
    client: Client,
    sockets: HashMap<String, ClientSocket>,
    /// Namespaces whose `connect()` has not finished.
    joining: JoinSet<()>,
    /// Namespaces still possibly usable (not refused).
    usable: Arc<AtomicUsize>,
    give_up: mpsc::UnboundedSender<GiveUp>,
}

impl Session {
    /// The socket of `namespace`, joined (with printing handlers) on first use.
    fn socket(&mut self, namespace: &str) -> ClientSocket {
        if let Some(socket) = self.sockets.get(namespace) {
            return socket.clone();
        }
        let socket = self.client.socket(namespace);
        let ns = namespace.to_string();
        let on_connect = ns.clone();
        socket.on_connect(move || print(&Line { ns: Some(&on_connect), kind: "connect", ..Line::default() }));
        // The fixed interface names no namespace on these two lines.
        socket.on_disconnect(move |reason| {
            print(&Line { kind: "disconnect", reason: Some(reason.as_str()), ..Line::default() })
        });
        socket.on_connect_error(move |message| {
            print(&Line { kind: "connect_error", message: Some(message), ..Line::default() })
        });
        let on_any = ns.clone();
        socket.on_any(move |event, args, _ack| {
            print(&Line {
                ns: Some(&on_any),
                kind: "event",
                event: Some(event),
                args: Some(args_to_json(&args)),
                ..Line::default()
            })
        });
        self.usable.fetch_add(1, Ordering::AcqRel);
        let joining = socket.clone();
        let usable = self.usable.clone();
        let give_up = self.give_up.clone();
        self.joining.spawn(async move {
            let refused = matches!(joining.connect().await, Err(ClientError::ConnectFailed(_)));
            if refused && usable.fetch_sub(1, Ordering::AcqRel) == 1 {
                let _ = give_up.send(GiveUp::EveryNamespaceRefused);
            }
        });
        self.sockets.insert(ns, socket.clone());
        socket
    }
}

/// What the stdin loop ended with.
enum Ending {
    Close,
    EndOfInput,
    GiveUp(GiveUp),
}

fn builder(options: &Options) -> ClientBuilder {
    let mut builder = Client::builder(&options.url)
        .transports(options.transports)
        .upgrade(options.transports.len() > 1)
        .protocol(options.protocol)
        .retries(options.retries);
    if let Some(auth) = &options.auth {
        builder = builder.auth(auth.clone());
    }
    if let Some(timeout) = options.ack_timeout {
        builder = builder.ack_timeout(timeout);
    }
    builder
}

#[tokio::main]
async fn main() {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("sio_cli: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let client = match builder(&options).build() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("sio_cli: {error}");
            std::process::exit(2);
        }
    };
    let (give_up, mut given_up) = mpsc::unbounded_channel();
    client.on_reconnect_attempt(|attempt| {
        print(&Line { kind: "reconnect_attempt", n: Some(attempt), ..Line::default() })
    });
    let reconnect_failed = give_up.clone();
    client.on_reconnect_failed(move || {
        let _ = reconnect_failed.send(GiveUp::ReconnectFailed);
    });
    let mut session = Session {
        client: client.clone(),
        sockets: HashMap::new(),
        joining: JoinSet::new(),
        usable: Arc::new(AtomicUsize::new(0)),
        give_up,
    };
    for namespace in &options.namespaces {
        session.socket(namespace);
    }

    let mut acks = JoinSet::new();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let ending = loop {
        let line = tokio::select! {
            line = lines.next_line() => line,
            Some(reason) = given_up.recv() => break Ending::GiveUp(reason),
        };
        let line = match line {
            Ok(Some(line)) => line,
            Ok(None) => break Ending::EndOfInput,
            Err(error) => {
                eprintln!("sio_cli: stdin: {error}");
                break Ending::EndOfInput;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let input: Input = match serde_json::from_str(&line) {
            Ok(input) => input,
            Err(error) => {
                eprintln!("sio_cli: ignored stdin line ({error}): {line}");
                continue;
            }
        };
        if input.close {
            break Ending::Close;
        }
        let Some(event) = input.emit else {
            eprintln!("sio_cli: ignored stdin line (neither emit nor close): {line}");
            continue;
        };
        let ns = namespace_path(input.ns.as_deref().unwrap_or("/"));
        let socket = session.socket(&ns);
        let id = input.id;
        let args = match Args::from_tuple(&WithBinary(&Value::Array(input.args))) {
            Ok(args) => args,
            Err(error) => {
                emit_error(&ns, &id, &error.to_string());
                continue;
            }
        };
        if input.ack {
            let answer = socket.emit_args_with_ack(&event, args, None);
            acks.spawn(async move {
                match answer.await {
                    Ok(args) => print(&Line {
                        ns: Some(&ns),
                        kind: "ack",
                        id: Some(&id),
                        args: Some(args_to_json(&args)),
                        ..Line::default()
                    }),
                    Err(error) => emit_error(&ns, &id, &error.to_string()),
                }
            });
        } else if let Err(error) = socket.emit_args(&event, args).await {
            emit_error(&ns, &id, &error.to_string());
        }
    };

    let ending = match ending {
        Ending::EndOfInput => {
            // Let what was typed finish: namespaces joined, acks answered.
            let drained = async {
                while session.joining.join_next().await.is_some() {}
                while acks.join_next().await.is_some() {}
            };
            tokio::select! {
                () = drained => Ending::EndOfInput,
                Some(reason) = given_up.recv() => Ending::GiveUp(reason),
            }
        }
        other => other,
    };
    client.close_and_wait().await;
    let code = match ending {
        Ending::Close | Ending::EndOfInput => 0,
        Ending::GiveUp(GiveUp::ReconnectFailed) => {
            eprintln!("sio_cli: reconnection failed");
            1
        }
        Ending::GiveUp(GiveUp::EveryNamespaceRefused) => {
            eprintln!("sio_cli: every namespace was refused");
            1
        }
    };
    // Not a return: tokio's stdin reader is a blocking read that would keep
    // the runtime (and the process) alive until stdin ends.
    std::process::exit(code)
}
