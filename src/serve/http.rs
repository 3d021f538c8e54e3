//! HTTP workers: answer requests from the site in memory. Nothing here reads the file system,
//! so no request path, however crafted, can reach a file outside the site.
//!
//! - GET and HEAD only; anything else is 405 with `Allow: GET, HEAD`.
//! - The path is split into segments, each percent-decoded on its own; a segment that decodes
//!   to `..` or holds `/`, `\` or NUL is a 404; empty and `.` segments are dropped.
//! - `Content-Type` from the extension through `mime_guess` (text types get `charset=utf-8`).
//! - A strong `ETag` from the content hash (plus the overlay's and the generation, for HTML);
//!   `If-None-Match` -> 304.
//! - A folder URL without its slash is a 301 to the slash form (a relative `Location`, so it
//!   works under a proxy's sub-path); unknown paths get the site's `404.html` with status 404.
//! - HTML responses get the live-reload script (and the error overlay) before `</body>`.

use std::sync::Arc;

use percent_encoding::percent_decode_str;
use tiny_http::{Method, Request};

use super::Shared;
use super::rebuild::{Files, SiteFile};

/// Where the reserved paths live, under the site root.
pub(crate) const EVENTS_PATH: &str = "__rb/events";
pub(crate) const SCRIPT_PATH: &str = "__rb/live.js";

/// The live-reload client, served at [`SCRIPT_PATH`].
const LIVE_JS: &str = include_str!("live.js");

/// What a request path asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// A file of the site, by its output path.
    File(String),
    /// A folder asked for without its trailing slash: redirect to this (relative) location.
    Redirect(String),
    Events,
    Script,
    NotFound,
}

/// A request URL's path as site segments; `None` when it tries to leave the site or is not
/// a path at all.
pub(crate) fn segments(url: &str) -> Option<Vec<String>> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let rest = path.strip_prefix('/')?;
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        let decoded = percent_decode_str(raw).decode_utf8().ok()?;
        if decoded == ".." || decoded.contains(['/', '\\', '\0']) {
            return None;
        }
        if decoded.is_empty() || decoded == "." {
            continue;
        }
        segments.push(decoded.into_owned());
    }
    Some(segments)
}

/// Routes a request URL against the site's files.
pub(crate) fn route(url: &str, files: &Files) -> Route {
    let Some(segments) = segments(url) else {
        return Route::NotFound;
    };
    let key = segments.join("/");
    match key.as_str() {
        EVENTS_PATH => return Route::Events,
        SCRIPT_PATH => return Route::Script,
        _ => {}
    }
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let folder = if key.is_empty() {
        "index.html".to_string()
    } else {
        format!("{key}/index.html")
    };
    if key.is_empty() || path.ends_with('/') {
        return if files.contains_key(folder.as_str()) {
            Route::File(folder)
        } else {
            Route::NotFound
        };
    }
    if files.contains_key(key.as_str()) {
        return Route::File(key);
    }
    if files.contains_key(folder.as_str()) {
        let last = path.rsplit('/').next().unwrap_or_default();
        let query = url
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        return Route::Redirect(format!("{last}/{query}"));
    }
    Route::NotFound
}

/// The relative path from the folder of the requested URL up to the site root: `../../` for
/// `/db/failover/`. Counted on the raw path, as the browser resolves relative URLs.
pub(crate) fn root_prefix(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let depth = path.strip_prefix('/').unwrap_or(path).matches('/').count();
    if depth == 0 {
        "./".to_string()
    } else {
        "../".repeat(depth)
    }
}

/// `Content-Type` for an output path.
pub(crate) fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(mime.subtype().as_str(), "javascript" | "json" | "xml")
        || mime
            .suffix()
            .is_some_and(|s| s.as_str() == "xml" || s.as_str() == "json");
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Does an `If-None-Match` value match this ETag (quoted)?
pub(crate) fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|candidate| candidate.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == etag)
}

/// Inserts `injection` before the last `</body>` (or at the end when there is none).
pub(crate) fn inject(html: &[u8], injection: &str) -> Vec<u8> {
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + injection.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(injection.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window.eq_ignore_ascii_case(needle))
}

/// Answers one request. Errors writing the answer mean the client went away: nothing to do.
pub(crate) fn handle(request: Request, shared: &Shared) {
    let method = request.method().clone();
    if !matches!(method, Method::Get | Method::Head) {
        send(
            request,
            405,
            &[
                ("Allow", "GET, HEAD"),
                ("Content-Type", "text/plain; charset=utf-8"),
            ],
            b"405 Method Not Allowed: rb-site serve answers GET and HEAD\n",
        );
        return;
    }
    let snapshot = shared.snapshot();
    let url = request.url().to_string();
    let route = route(&url, &snapshot.files);
    match route {
        Route::Events => {
            if method == Method::Head {
                send(request, 200, &[("Content-Type", "text/event-stream")], b"");
            } else {
                shared.hub.subscribe(request, snapshot.generation);
            }
        }
        Route::Script => {
            send(
                request,
                200,
                &[
                    ("Content-Type", "text/javascript; charset=utf-8"),
                    ("Cache-Control", "no-cache"),
                ],
                LIVE_JS.as_bytes(),
            );
        }
        Route::Redirect(location) => {
            send(
                request,
                301,
                &[("Location", &location), ("Cache-Control", "no-cache")],
                b"",
            );
        }
        Route::File(path) => {
            let file = snapshot.files.get(path.as_str()).map(Arc::clone);
            match file {
                Some(file) => respond_file(request, &url, &path, &file, 200, &snapshot),
                None => respond_not_found(request, &url, &snapshot),
            }
        }
        Route::NotFound => respond_not_found(request, &url, &snapshot),
    }
}

/// Writes a whole response and closes the connection.
///
/// tiny_http 0.12 hands each connection to a thread pool that can lose a wake-up when two
/// connections arrive together: the second then waits until some keep-alive connection closes,
/// and Chromium keeps idle ones open for minutes (page loads stalled 30 s in the browser tests).
/// tiny_http drops a `Connection` header set on a `Response`, so the response is written by hand
/// with `Connection: close`: every connection's task ends with its request. On loopback the cost
/// of a new connection per request is negligible.
fn send(request: Request, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    use std::io::Write as _;
    let reason = tiny_http::StatusCode(status).default_reason_phrase();
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    // A value with a line break would split the header block: never written.
    for (name, value) in headers.iter().filter(|(_, v)| !v.contains(['\r', '\n'])) {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let with_body = *request.method() != Method::Head && status != 304;
    let mut writer = request.into_writer();
    let _ = writer
        .write_all(head.as_bytes())
        .and_then(|()| {
            if with_body {
                writer.write_all(body)
            } else {
                Ok(())
            }
        })
        .and_then(|()| writer.flush());
}

fn respond_not_found(request: Request, url: &str, snapshot: &super::Snapshot) {
    match snapshot.files.get("404.html").map(Arc::clone) {
        Some(file) => respond_file(request, url, "404.html", &file, 404, snapshot),
        None => {
            let page = SiteFile::new(
                b"<!doctype html><title>Not found</title><body><h1>Not found</h1></body>".to_vec(),
            );
            respond_file(request, url, "404.html", &page, 404, snapshot);
        }
    }
}

fn respond_file(
    request: Request,
    url: &str,
    path: &str,
    file: &SiteFile,
    status: u16,
    snapshot: &super::Snapshot,
) {
    let is_html = path.ends_with(".html");
    // An HTML page carries the generation it was served in: a copy from an older one must not
    // be answered with 304, or a page told it is stale would reload into the same stale copy.
    let etag = if is_html {
        format!(
            "\"{}-{}-{}\"",
            file.etag(),
            snapshot.overlay_tag,
            snapshot.generation
        )
    } else {
        format!("\"{}\"", file.etag())
    };
    let content_type = content_type(path);
    let cached = status == 200
        && request
            .headers()
            .iter()
            .find(|h| h.field.equiv("If-None-Match"))
            .is_some_and(|h| etag_matches(h.value.as_str(), &etag));
    if cached {
        send(
            request,
            304,
            &[("ETag", &etag), ("Cache-Control", "no-cache")],
            b"",
        );
        return;
    }
    let body = if is_html {
        inject(&file.bytes, &snapshot.injection(&root_prefix(url), path))
    } else {
        file.bytes.clone()
    };
    send(
        request,
        status,
        &[
            ("Content-Type", &content_type),
            ("ETag", &etag),
            ("Cache-Control", "no-cache"),
        ],
        &body,
    );
}

/// For [`crate::fuzzing`]: a request target through what a worker does with it before answering:
/// routing against a small site, the relative root, the content type and the validator.
pub(crate) fn fuzz_request_target(url: &str) {
    let mut files = Files::default();
    for path in [
        "index.html",
        "db/index.html",
        "db/failover/index.html",
        "404.html",
    ] {
        let page = SiteFile::new(b"<html><body><p>x</p></body></html>".to_vec());
        files.insert(Arc::from(path), Arc::new(page));
    }
    if let Route::File(path) = route(url, &files) {
        let _ = content_type(&path);
        if let Some(file) = files.get(path.as_str()) {
            let _ = inject(&file.bytes, &root_prefix(url));
            let _ = etag_matches(url, file.etag());
        }
    }
    let _ = root_prefix(url);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> Files {
        paths
            .iter()
            .map(|p| (Arc::from(*p), Arc::new(SiteFile::new(Vec::new()))))
            .collect()
    }

    #[test]
    fn paths_route_to_files_folders_and_redirects() {
        let f = files(&[
            "index.html",
            "db/failover/index.html",
            "static/style.css",
            "404.html",
        ]);
        assert_eq!(route("/", &f), Route::File("index.html".into()));
        assert_eq!(route("/?x=1", &f), Route::File("index.html".into()));
        assert_eq!(
            route("/db/failover/", &f),
            Route::File("db/failover/index.html".into())
        );
        assert_eq!(
            route("/db/failover/index.html", &f),
            Route::File("db/failover/index.html".into())
        );
        assert_eq!(
            route("/db//failover/./", &f),
            Route::File("db/failover/index.html".into())
        );
        assert_eq!(
            route("/db/fail%6Fver/", &f),
            Route::File("db/failover/index.html".into())
        );
        assert_eq!(
            route("/db/failover", &f),
            Route::Redirect("failover/".into())
        );
        assert_eq!(
            route("/db/failover?a=b", &f),
            Route::Redirect("failover/?a=b".into())
        );
        assert_eq!(
            route("/static/style.css", &f),
            Route::File("static/style.css".into())
        );
        assert_eq!(route("/static/style.css/", &f), Route::NotFound);
        assert_eq!(route("/nope/", &f), Route::NotFound);
        assert_eq!(route("/__rb/events", &f), Route::Events);
        assert_eq!(route("/__rb/live.js", &f), Route::Script);
    }

    #[test]
    fn every_way_out_of_the_site_is_not_found() {
        let f = files(&["index.html", "db/failover/index.html"]);
        for url in [
            "/../etc/passwd",
            "/db/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/db%2f..%2f..%2fetc/passwd",
            "/db%2Ffailover/",
            "/..%5c..%5cwindows/win.ini",
            "/db\\..\\..\\etc/passwd",
            "/db/failover/%00",
            "//etc/passwd",
            "/etc/passwd",
            "http://example.com/",
            "*",
            "/%ff%fe/",
        ] {
            assert_eq!(route(url, &f), Route::NotFound, "{url}");
        }
    }

    #[test]
    fn the_root_prefix_climbs_out_of_the_requested_folder() {
        assert_eq!(root_prefix("/"), "./");
        assert_eq!(root_prefix("/index.html"), "./");
        assert_eq!(root_prefix("/db/failover/"), "../../");
        assert_eq!(root_prefix("/db/failover/index.html?x=/y"), "../../");
        assert_eq!(root_prefix("/a/b/c"), "../../");
    }

    #[test]
    fn content_types_carry_a_charset_for_text() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("static/style.css"), "text/css; charset=utf-8");
        assert_eq!(
            content_type("static/nav.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type("search/index.json"),
            "application/json; charset=utf-8"
        );
        assert_eq!(content_type("sitemap.xml"), "text/xml; charset=utf-8");
        assert_eq!(
            content_type("db/diagram.svg"),
            "image/svg+xml; charset=utf-8"
        );
        assert_eq!(content_type("db/diagram.png"), "image/png");
        assert_eq!(content_type("static/font.woff2"), "font/woff2");
        assert_eq!(content_type("db/dump.bin"), "application/octet-stream");
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn the_injection_goes_before_the_last_closing_body() {
        assert_eq!(
            inject(b"<body><p>x</p></BODY></html>", "<s>"),
            b"<body><p>x</p><s></BODY></html>"
        );
        assert_eq!(inject(b"<p>x</p>", "<s>"), b"<p>x</p><s>");
    }
}
