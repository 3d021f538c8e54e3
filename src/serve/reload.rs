//! The live-reload channel: server-sent events on the site's own port, under the reserved
//! path `__rb/events`, so it works wherever the site works (a proxy, a sub-path).
//!
//! tiny_http buffers a `Response` until it is complete, so an event stream cannot be one: the
//! hub takes the connection's raw writer ([`tiny_http::Request::into_writer`]), writes the
//! status line and headers itself, and flushes after every event. Each client gets a `hello`
//! event with the current generation when it connects (a page that missed a reload while it
//! was loading sees that it is stale), then a `reload` event after every rebuild, sent only
//! once the new site is in place: `{"generation":7,"paths":["db/failover/index.html"],
//! "pending":true}` names the files that changed (`null`: any may have), so that only the pages
//! among them reload; `pending` says a deferred pass follows, with its own `reload` event
//! naming the files of the rest of the site that changed (listing pages, print binders, the
//! search index). A comment line every few seconds finds dead connections.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

/// How often idle connections get a keep-alive comment.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(10);

type Client = Box<dyn Write + Send + 'static>;

/// The open event streams.
#[derive(Default)]
pub(crate) struct Hub {
    clients: Mutex<Vec<Client>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("clients", &self.client_count())
            .finish()
    }
}

impl Hub {
    /// Starts an event stream on a request's raw writer and keeps it.
    pub(crate) fn subscribe(&self, request: tiny_http::Request, generation: u64) {
        let mut writer = request.into_writer();
        let opening = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
             Cache-Control: no-cache, no-store\r\nConnection: keep-alive\r\n\
             X-Accel-Buffering: no\r\n\r\nretry: 500\n\n{}",
            event("hello", &generation.to_string())
        );
        if writer.write_all(opening.as_bytes()).is_ok() && writer.flush().is_ok() {
            self.lock().push(writer);
        }
    }

    /// Tells every client that generation `generation` of the site is in place, and which of
    /// its files changed (None: any may have, every page reloads). `pending`: a deferred pass
    /// will follow with the pages that list what changed.
    pub(crate) fn reload(&self, generation: u64, changed: Option<&Vec<String>>, pending: bool) {
        let data = serde_json::json!({
            "generation": generation,
            "paths": changed,
            "pending": pending,
        });
        self.broadcast(&event("reload", &data.to_string()));
    }

    /// A comment line: keeps proxies from closing idle streams and drops dead clients.
    pub(crate) fn heartbeat(&self) {
        self.broadcast(": ping\n\n");
    }

    pub(crate) fn client_count(&self) -> usize {
        self.lock().len()
    }

    fn broadcast(&self, message: &str) {
        self.lock().retain_mut(|client| {
            client.write_all(message.as_bytes()).is_ok() && client.flush().is_ok()
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Client>> {
        // A panic while holding the lock leaves a list of writers, still usable.
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One event; `data` is one line.
fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_named_lines_ended_by_a_blank_line() {
        assert_eq!(event("hello", "7"), "event: hello\ndata: 7\n\n");
    }
}
