//! The client on tokio against a hostile server
//! (`runtime-tokio/tests/client_hostile/`).

mod client_hostile;

use runtime_tokio::client::{Client, ClientBuilder, ClientError};

/// Starts the client under test: tokio's.
pub fn build_client(builder: ClientBuilder) -> Result<Client, ClientError> {
    builder.build()
}
