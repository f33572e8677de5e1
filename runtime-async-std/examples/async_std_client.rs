//! A Socket.IO client on async-std: joins `/` of the server at `$URL` (default
//! `http://127.0.0.1:3000`, e.g. the `async_std_server` example), prints every
//! `msg` it receives, emits `echo` with an ack and `fanout`, then leaves.
//!
//! ```sh
//! URL=http://127.0.0.1:3000 cargo run -p runtime-async-std --features async-std --example async_std_client
//! ```

use std::time::Duration;

use runtime_async_std::client::{Client, ClientError};

fn main() -> Result<(), ClientError> {
    let url = std::env::var("URL").unwrap_or_else(|_| "http://127.0.0.1:3000".to_owned());
    async_std::task::block_on(async {
        let client = runtime_async_std::async_std::build(Client::builder(&url))?;
        let socket = client.socket("/");
        socket.on("msg", |(text,): (String,), _ack| println!("msg: {text}"));
        socket.connect().await?;
        let (answer,): (String,) = socket.emit_with_ack("echo", &"hello from async-std").await?;
        println!("echo acked with: {answer}");
        socket.emit("fanout", &"a broadcast from async-std").await?;
        async_std::task::sleep(Duration::from_millis(200)).await;
        client.close();
        Ok(())
    })
}
