//! [`ServerUrl`]: the parts of a server URL the client needs.

use crate::client::ClientError;

/// Why a URL was refused; becomes a [`ClientError`] when the client is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// Not a URL this client can use.
    Invalid(String),
}

impl From<UrlError> for ClientError {
    fn from(error: UrlError) -> ClientError {
        match error {
            UrlError::Invalid(message) => ClientError::InvalidUrl(message),
        }
    }
}

/// A parsed `http(s)://` or `ws(s)://` server URL: where to connect, whether
/// over TLS, and the Engine.IO path (`/socket.io/` unless set with
/// [`ServerUrl::set_path`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerUrl {
    /// The host name or address, without brackets for IPv6.
    pub(crate) host: String,
    /// The port (80, or 443 with TLS, when the URL names none).
    pub(crate) port: u16,
    /// Whether to speak TLS (`https`, `wss`).
    pub(crate) tls: bool,
    /// The Engine.IO endpoint path, ending with `/`.
    pub(crate) path: String,
    /// The user query (without `?`), prefixed to every Engine.IO query.
    pub(crate) query: String,
}

impl ServerUrl {
    /// Parses `url` (`http`, `https`, `ws` or `wss`).
    pub(crate) fn parse(url: &str) -> Result<ServerUrl, UrlError> {
        let invalid = |why: &str| UrlError::Invalid(format!("{url}: {why}"));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid("no scheme"))?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "http" | "ws" => false,
            "https" | "wss" => true,
            _ => return Err(invalid("the scheme must be http, https, ws or wss")),
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(invalid("credentials in the URL are not supported"));
        }
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = split_host_port(authority, default_port).ok_or_else(|| invalid("bad host or port"))?;
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        if !matches!(path, "" | "/") {
            return Err(invalid("give the namespace to `socket()` and the endpoint to `path()`, not in the URL"));
        }
        Ok(ServerUrl { host, port, tls, path: String::from("/socket.io/"), query: query.to_string() })
    }

    /// Sets the Engine.IO endpoint path (`/socket.io/` by default).
    pub(crate) fn set_path(&mut self, path: &str) {
        let trimmed = path.trim_matches('/');
        self.path = if trimmed.is_empty() { String::from("/") } else { format!("/{trimmed}/") };
    }

    /// The request target of an Engine.IO request with `engine_query`.
    pub(crate) fn target(&self, engine_query: &str) -> String {
        if self.query.is_empty() {
            format!("{}?{engine_query}", self.path)
        } else {
            format!("{}?{}&{engine_query}", self.path, self.query)
        }
    }

    /// The `Host` header value.
    pub(crate) fn host_header(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port,
    };
    Some((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_host_gets_the_default_path_and_port() {
        let url = ServerUrl::parse("http://example.com");
        assert_eq!(
            url,
            Ok(ServerUrl {
                host: "example.com".into(),
                port: 80,
                tls: false,
                path: "/socket.io/".into(),
                query: String::new()
            })
        );
    }

    #[test]
    fn port_and_query_are_kept() {
        let url = ServerUrl::parse("ws://127.0.0.1:3000/?token=1");
        assert_eq!(
            url,
            Ok(ServerUrl {
                host: "127.0.0.1".into(),
                port: 3000,
                tls: false,
                path: "/socket.io/".into(),
                query: "token=1".into()
            })
        );
    }

    #[test]
    fn a_path_in_the_url_is_refused() {
        assert!(matches!(ServerUrl::parse("http://h:1/admin"), Err(UrlError::Invalid(_))));
    }

    #[test]
    fn the_endpoint_path_is_normalized() {
        let mut url = ServerUrl::parse("http://h:1");
        if let Ok(url) = url.as_mut() {
            url.set_path("custom");
        }
        assert_eq!(url.map(|url| url.path), Ok("/custom/".into()));
    }

    #[test]
    fn ipv6_hosts_lose_their_brackets() {
        let url = ServerUrl::parse("http://[::1]:8080/");
        assert_eq!(url.map(|url| (url.host.clone(), url.host_header())), Ok(("::1".into(), "[::1]:8080".into())));
    }

    #[test]
    fn tls_schemes_speak_tls_on_port_443_by_default() {
        let https = ServerUrl::parse("https://example.com").map(|url| (url.tls, url.port));
        let wss = ServerUrl::parse("wss://example.com:8443").map(|url| (url.tls, url.port));
        assert_eq!((https, wss), (Ok((true, 443)), Ok((true, 8443))));
    }

    #[test]
    fn other_schemes_are_invalid() {
        assert!(matches!(ServerUrl::parse("ftp://example.com"), Err(UrlError::Invalid(_))));
        assert!(matches!(ServerUrl::parse("example.com"), Err(UrlError::Invalid(_))));
    }

    #[test]
    fn the_target_joins_user_and_engine_queries() {
        let url = ServerUrl::parse("http://h:1/?a=b");
        assert_eq!(url.map(|url| url.target("EIO=4")), Ok("/socket.io/?a=b&EIO=4".into()));
    }
}
