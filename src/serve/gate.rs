//! The gate in front of the HTTP server: limits on what a client may send.
//!
//! `tiny_http` reads a request's line and headers byte by byte into a growing buffer, with no
//! limit and no timeout (a 512 MB header line was answered 200). Its listener cannot be wrapped
//! (it takes only a `TcpListener` or a `UnixListener`), so the gate owns the public socket and
//! `tiny_http` serves a private one (a Unix socket in a folder only this user can enter). For
//! every connection the gate reads each request head itself, bounded by [`Limits`], and passes
//! on only complete, well-formed heads (parsed by `httparse`); responses flow back untouched,
//! so server-sent events stream as before.
//!
//! - A head over [`Limits::max_head`] (16 KB) is answered `431 Request Header Fields Too Large`.
//! - A head must arrive within [`Limits::head_timeout`] of its first byte, and the next request
//!   within [`Limits::idle_timeout`]; a slow client is answered `408` (or, between requests,
//!   simply no longer read from).
//! - A request with a body (the server answers GET and HEAD only) is answered `413`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

#[cfg(unix)]
type Backend = std::os::unix::net::UnixStream;
#[cfg(not(unix))]
type Backend = TcpStream;

/// What a client may send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The request line and headers together, in bytes.
    pub max_head: usize,
    /// From a head's first byte to its end.
    pub head_timeout: Duration,
    /// Between one request and the next on a kept-alive connection (and before the first).
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 16 * 1024,
            head_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// The private socket `tiny_http` serves, and where the gate connects.
pub(crate) struct Gate {
    #[cfg(unix)]
    path: PathBuf,
    #[cfg(unix)]
    dir: PathBuf,
    #[cfg(not(unix))]
    address: std::net::SocketAddr,
}

impl Gate {
    /// Removes the private socket (the server is stopping; the gate's threads outlive it).
    pub(crate) fn close(&self) {
        #[cfg(unix)]
        {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_dir(&self.dir);
        }
    }

    fn connect(&self) -> std::io::Result<Backend> {
        #[cfg(unix)]
        return Backend::connect(&self.path);
        #[cfg(not(unix))]
        return Backend::connect(self.address);
    }
}

/// Starts `tiny_http` on a private socket and the gate on `listener`; the returned server is
/// used as before, the gate lives as long as the returned [`Gate`]'s threads (the process).
pub(crate) fn start(
    listener: TcpListener,
    limits: Limits,
) -> Result<(tiny_http::Server, std::sync::Arc<Gate>)> {
    let (server, gate) = backend()?;
    let gate = std::sync::Arc::new(gate);
    let accepting = std::sync::Arc::clone(&gate);
    std::thread::Builder::new()
        .name("rb-site-gate".into())
        .spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let gate = std::sync::Arc::clone(&accepting);
                // Out of threads: the connection is dropped, the server goes on.
                let _ = std::thread::Builder::new()
                    .name("rb-site-conn".into())
                    .spawn(move || connection(client, &gate, limits));
            }
        })
        .context("cannot start the HTTP gate")?;
    Ok((server, gate))
}

#[cfg(unix)]
fn backend() -> Result<(tiny_http::Server, Gate)> {
    use std::os::unix::fs::DirBuilderExt;
    let unique = blake3::hash(
        format!(
            "{}-{:?}-{:?}",
            std::process::id(),
            Instant::now(),
            std::time::SystemTime::now()
        )
        .as_bytes(),
    )
    .to_hex()[..12]
        .to_string();
    let dir = std::env::temp_dir().join(format!("rb-site-serve-{unique}"));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("http.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    let gate = Gate { path, dir };
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| anyhow::anyhow!("cannot start the HTTP server: {e}"))?;
    Ok((server, gate))
}

#[cfg(not(unix))]
fn backend() -> Result<(tiny_http::Server, Gate)> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1")?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| anyhow::anyhow!("cannot start the HTTP server: {e}"))?;
    Ok((server, Gate { address }))
}

/// What reading one request head gave.
enum Head {
    /// A complete head of this many bytes at the start of the buffer; whether it has a body.
    Complete(usize, bool),
    TooLarge,
    Malformed,
    /// The client took too long in the middle of a head.
    Slow,
    /// The client closed, or went quiet between requests.
    Gone,
}

/// One client connection: heads in through the gate, responses straight back.
fn connection(mut client: TcpStream, gate: &Gate, limits: Limits) {
    let _ = client.set_nodelay(true);
    let mut buffer = Vec::with_capacity(1024);
    let mut pipe: Option<Pipe> = None;
    // Set before a refusal: the response thread then leaves the client's side open for it.
    let refusing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    loop {
        let head = read_head(&mut client, &mut buffer, limits);
        let refusal = match head {
            Head::Complete(len, false) => {
                if pipe.is_none() {
                    match open_pipe(gate, &client, &refusing) {
                        Some(opened) => pipe = Some(opened),
                        None => return,
                    }
                }
                let Some((backend, _)) = pipe.as_mut() else {
                    return;
                };
                if backend.write_all(&buffer[..len]).is_err() {
                    break;
                }
                buffer.drain(..len);
                continue;
            }
            Head::Complete(_, true) => Some("413 Content Too Large"),
            Head::TooLarge => Some("431 Request Header Fields Too Large"),
            Head::Malformed => Some("400 Bad Request"),
            Head::Slow => Some("408 Request Timeout"),
            Head::Gone => None,
        };
        // Responses to the requests passed on come first; then the refusal, if any.
        refusing.store(refusal.is_some(), std::sync::atomic::Ordering::SeqCst);
        if let Some((backend, responses)) = pipe.take() {
            let _ = backend.shutdown(Shutdown::Write);
            let _ = responses.join();
        }
        if let Some(status) = refusal {
            let body = format!("{status}\n");
            let _ = write!(
                client,
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            linger(&mut client);
        }
        break;
    }
    if let Some((backend, responses)) = pipe.take() {
        let _ = backend.shutdown(Shutdown::Write);
        let _ = responses.join();
    }
    let _ = client.shutdown(Shutdown::Both);
}

/// Closes our side, then reads and discards what the client is still sending for a moment:
/// closing a socket with unread data resets it, and the client would lose the answer.
fn linger(client: &mut TcpStream) {
    let _ = client.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 16 * 1024];
    let mut left: usize = 4 * 1024 * 1024;
    while let Some(wait) = until.checked_duration_since(Instant::now()) {
        if wait.is_zero() || client.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match client.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => match left.checked_sub(n) {
                Some(rest) => left = rest,
                None => return,
            },
        }
    }
}

/// The connection to the server, and the thread copying its responses to the client.
type Pipe = (Backend, std::thread::JoinHandle<()>);

/// Connects to the server and starts copying its responses to the client.
fn open_pipe(
    gate: &Gate,
    client: &TcpStream,
    refusing: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Option<Pipe> {
    let refusing = std::sync::Arc::clone(refusing);
    let backend = gate.connect().ok()?;
    let mut from_server = backend.try_clone().ok()?;
    let mut to_client = client.try_clone().ok()?;
    let responses = std::thread::Builder::new()
        .name("rb-site-responses".into())
        .spawn(move || {
            let _ = std::io::copy(&mut from_server, &mut to_client);
            if !refusing.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = to_client.shutdown(Shutdown::Write);
            }
        })
        .ok()?;
    Some((backend, responses))
}

/// Reads until `buffer` starts with a complete request head, within the limits.
fn read_head(client: &mut TcpStream, buffer: &mut Vec<u8>, limits: Limits) -> Head {
    let mut started = (!buffer.is_empty()).then(Instant::now);
    let idle_until = Instant::now() + limits.idle_timeout;
    let mut chunk = [0u8; 4096];
    loop {
        if !buffer.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; 100];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(buffer) {
                Ok(httparse::Status::Complete(len)) => {
                    if len > limits.max_head {
                        return Head::TooLarge;
                    }
                    let body = request.headers.iter().any(|h| {
                        h.name.eq_ignore_ascii_case("transfer-encoding")
                            || (h.name.eq_ignore_ascii_case("content-length")
                                && h.value.iter().any(|b| (b'1'..=b'9').contains(b)))
                    });
                    return Head::Complete(len, body);
                }
                Ok(httparse::Status::Partial) if buffer.len() > limits.max_head => {
                    return Head::TooLarge;
                }
                Ok(httparse::Status::Partial) => {}
                Err(httparse::Error::TooManyHeaders) => return Head::TooLarge,
                Err(_) => return Head::Malformed,
            }
        }
        let deadline = match started {
            Some(at) => at + limits.head_timeout,
            None => idle_until,
        };
        let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            return if started.is_some() {
                Head::Slow
            } else {
                Head::Gone
            };
        };
        if client.set_read_timeout(Some(left)).is_err() {
            return Head::Gone;
        }
        match client.read(&mut chunk) {
            Ok(0) => return Head::Gone,
            Ok(n) => {
                started.get_or_insert_with(Instant::now);
                buffer.extend_from_slice(&chunk[..n]);
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Head::Gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gate in front of a server that answers every request 200 with its path.
    fn gated(limits: Limits) -> (std::net::SocketAddr, std::sync::Arc<Gate>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let (server, gate) = start(listener, limits).expect("start");
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let path = request.url().to_string();
                let _ = request.respond(tiny_http::Response::from_string(path));
            }
        });
        (address, gate)
    }

    fn exchange(address: std::net::SocketAddr, bytes: &[u8]) -> String {
        let mut client = TcpStream::connect(address).expect("connect");
        client
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        // The gate may answer before all is sent: a write error then is expected.
        let _ = client.write_all(bytes);
        let mut reply = String::new();
        let _ = client.read_to_string(&mut reply);
        reply
    }

    #[test]
    fn heads_within_the_limit_pass_and_larger_ones_get_431() {
        let (address, gate) = gated(Limits::default());
        let filler = "x".repeat(15 * 1024);
        let reply = exchange(
            address,
            format!("GET /ok HTTP/1.1\r\nX-Fill: {filler}\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.200}");
        assert!(reply.ends_with("/ok"), "{reply:.200}");

        let filler = "x".repeat(17 * 1024);
        let reply = exchange(
            address,
            format!("GET /big HTTP/1.1\r\nX-Fill: {filler}\r\n\r\n").as_bytes(),
        );
        assert!(reply.starts_with("HTTP/1.1 431"), "{reply:.200}");
        // A request line alone over the limit, never ended.
        let reply = exchange(
            address,
            format!("GET /{}", "a".repeat(64 * 1024)).as_bytes(),
        );
        assert!(reply.starts_with("HTTP/1.1 431"), "{reply:.200}");
        gate.close();
    }

    #[test]
    fn kept_alive_connections_pass_each_head_through_the_gate() {
        let (address, gate) = gated(Limits::default());
        let filler = "x".repeat(20 * 1024);
        let reply = exchange(
            address,
            format!(
                "GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n\
                 GET /three HTTP/1.1\r\nX-Fill: {filler}\r\n\r\n"
            )
            .as_bytes(),
        );
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply:.300}");
        assert!(reply.contains("/one") && reply.contains("/two"), "{reply}");
        assert!(reply.contains("HTTP/1.1 431"), "{reply}");
        assert!(!reply.contains("/three"), "{reply}");
        gate.close();
    }

    #[test]
    fn slow_heads_time_out_and_bodies_and_garbage_are_refused() {
        let (address, gate) = gated(Limits {
            head_timeout: Duration::from_millis(300),
            idle_timeout: Duration::from_millis(300),
            ..Limits::default()
        });
        let started = Instant::now();
        let reply = exchange(address, b"GET /slow HTTP/1.1\r\nHost: a\r\n");
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
        assert!(started.elapsed() < Duration::from_secs(10));

        // Idle before any request: closed without a word.
        let mut idle = TcpStream::connect(address).expect("connect");
        idle.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut reply = String::new();
        let _ = idle.read_to_string(&mut reply);
        assert_eq!(reply, "");

        let reply = exchange(
            address,
            b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        );
        assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
        let reply = exchange(address, b"GET\x00 / HTTP/1.1\r\n\r\n");
        assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
        gate.close();
    }
}
