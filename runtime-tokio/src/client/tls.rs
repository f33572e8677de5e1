//! TLS for `https://` and `wss://` servers: rustls (ring provider) over
//! whatever stream the [`Connector`](crate::client::Connector) opened.
//!
//! tokio-rustls runs over the `tokio::io` traits, which need no tokio
//! reactor: the connector's stream (hyper's executor-neutral traits) is seen
//! through them with `crate::io_compat::HyperIoCompat`, and the TLS stream is
//! handed back to hyper and tungstenite through [`TlsIo`]. So TLS works on
//! any executor the client runs on.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::client::io::BoxStream;
use crate::client::ClientError;
use crate::io_compat::HyperIoCompat;

/// The trust anchors of a client: the webpki roots (Mozilla's list,
/// compiled in) unless turned off, plus the certificates the application
/// added.
#[derive(Debug, Clone)]
pub(crate) struct TlsRoots {
    pub(crate) webpki_roots: bool,
    pub(crate) extra: Vec<CertificateDer<'static>>,
}

impl Default for TlsRoots {
    fn default() -> TlsRoots {
        TlsRoots { webpki_roots: true, extra: Vec::new() }
    }
}

/// Every certificate of a PEM bundle.
pub(crate) fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ClientError::Tls(format!("the PEM certificates do not parse: {error}")))?;
    if certificates.is_empty() {
        return Err(ClientError::Tls(String::from("the PEM text holds no certificate")));
    }
    Ok(certificates)
}

/// The rustls configuration trusting `roots`, speaking HTTP/1.1 (ALPN).
pub(crate) fn client_config(roots: &TlsRoots) -> Result<Arc<ClientConfig>, ClientError> {
    let mut store = RootCertStore::empty();
    if roots.webpki_roots {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for certificate in &roots.extra {
        store.add(certificate.clone()).map_err(|error| ClientError::Tls(format!("a root certificate: {error}")))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ClientError::Tls(error.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Runs the TLS handshake with `host` over `stream`.
pub(crate) async fn handshake(config: Arc<ClientConfig>, host: &str, stream: BoxStream) -> io::Result<BoxStream> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, format!("TLS server name {host}: {error}")))?;
    let tls = TlsConnector::from(config).connect(name, HyperIoCompat::new(stream)).await?;
    Ok(Box::new(TlsIo { inner: tls }))
}

/// A TLS stream seen through hyper's I/O traits.
struct TlsIo {
    inner: TlsStream<HyperIoCompat<BoxStream>>,
}

impl hyper::rt::Read for TlsIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // Without `unsafe` hyper's cursor only takes initialized bytes: read
        // into a stack buffer (TLS records are copied once more, by design).
        let mut chunk = [0u8; 8192];
        let limit = buf.remaining().min(chunk.len());
        let mut read_buf = ReadBuf::new(chunk.get_mut(..limit).unwrap_or_default());
        ready!(Pin::new(&mut self.inner).poll_read(cx, &mut read_buf))?;
        buf.put_slice(read_buf.filled());
        Poll::Ready(Ok(()))
    }
}

impl hyper::rt::Write for TlsIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
