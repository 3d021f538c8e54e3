//! Stage 6's files keyed by exactly what their templates read, so that `serve` renders again
//! only the files whose inputs changed.
//!
//! A [`KeyedContext`] hashes every value as it goes into the template's context; with the
//! template's name that hash is the key of the file the template makes. [`Reuse`] holds the
//! keys of the files the last render made: a file whose key is unchanged is taken from the
//! files `serve` holds instead of being rendered again. No list says what a page shows of
//! another: whatever reaches a template is in its key, and nothing else reaches it. A file
//! taken from the last render is not copied: its bytes come back empty, its path is listed in
//! [`Reuse::into_keys`]'s kept paths, and `serve` keeps the file it holds. The
//! templates themselves are not in the key; [`super::RenderCache`] forgets every key with them.
//! Nothing else reaches a template: Tera 2 has no function that reads the clock, the
//! environment or a random source.
//!
//! A build renders once and hashes nothing ([`BaseContext::new`] with `hashing` off).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

/// What every template gets ([`super::base_context`]): made once per render, hashed once.
#[derive(Debug)]
pub struct BaseContext {
    context: tera::Context,
    hasher: Option<blake3::Hasher>,
}

impl BaseContext {
    /// `hashing`: key what templates make of it, for [`Reuse`] (a build, which renders once,
    /// does not).
    pub fn new(hashing: bool) -> BaseContext {
        BaseContext {
            context: tera::Context::new(),
            hasher: hashing.then(blake3::Hasher::new),
        }
    }

    pub fn insert<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        hash_entry(&mut self.hasher, name, value);
        self.context.insert(name, value);
    }

    /// A template's context: this one and what the template adds.
    pub fn child(&self) -> KeyedContext<'_> {
        KeyedContext {
            base: &self.context,
            hasher: self.hasher.clone(),
            entries: Vec::new(),
        }
    }
}

/// A template's context, hashed as it is filled; Tera's own context is made only when the
/// template is rendered, so a file taken from the last render costs the hash alone.
pub struct KeyedContext<'v> {
    base: &'v tera::Context,
    hasher: Option<blake3::Hasher>,
    entries: Vec<Entry<'v>>,
}

/// Puts one value into Tera's context.
type Entry<'v> = Box<dyn Fn(&mut tera::Context) + 'v>;

impl<'v> KeyedContext<'v> {
    /// Puts `value` into the context under `name` (a second value under one name replaces
    /// the first, as in Tera; both are in the key).
    pub fn insert<T: Serialize + 'v>(&mut self, name: &'static str, value: T) {
        hash_entry(&mut self.hasher, name, &value);
        self.entries
            .push(Box::new(move |context| context.insert(name, &value)));
    }

    /// The context as Tera takes it.
    pub fn tera(&self) -> tera::Context {
        let mut context = self.base.clone();
        for entry in &self.entries {
            entry(&mut context);
        }
        context
    }

    /// The key of what `template` makes of this context (None: not hashed).
    fn key(&self, template: &str) -> Option<blake3::Hash> {
        let mut hasher = self.hasher.clone()?;
        hasher.update(template.as_bytes());
        Some(hasher.finalize())
    }
}

/// Hashes a context entry as CBOR: self-describing, so values of different types never hash
/// alike (`extra` front matter holds any JSON value), and strings go in as they are, where
/// JSON would escape them first. A value that cannot be encoded leaves the context unkeyed:
/// it is always rendered.
fn hash_entry<T: Serialize + ?Sized>(hasher: &mut Option<blake3::Hasher>, name: &str, value: &T) {
    let Some(state) = hasher else {
        return;
    };
    state.update(&(name.len() as u64).to_le_bytes());
    state.update(name.as_bytes());
    // Encoded into a buffer first: the encoder writes a few bytes at a time, and BLAKE3 hashes
    // one long input several times faster than as many short ones.
    let encoded = ENCODED.with_borrow_mut(|buffer| {
        buffer.clear();
        let encoded = ciborium::into_writer(value, &mut *buffer).is_ok();
        if encoded {
            state.update(buffer);
        }
        encoded
    });
    if !encoded {
        *hasher = None;
    }
}

thread_local! {
    /// [`hash_entry`]'s buffer, kept between entries.
    static ENCODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The files of the site as `serve` holds them, by output path.
pub trait Previous: Sync {
    fn bytes(&self, path: &str) -> Option<&[u8]>;
}

/// The keys of the files the last render made, the files themselves, and the keys of this
/// render's files as they are made.
pub struct Reuse<'a> {
    prior: HashMap<String, blake3::Hash>,
    previous: Option<&'a dyn Previous>,
    made: Mutex<Made>,
}

/// What a render made, as it goes.
#[derive(Default)]
struct Made {
    keys: Vec<(String, blake3::Hash)>,
    /// Files whose bytes are the last render's.
    kept: Vec<String>,
}

impl std::fmt::Debug for Reuse<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reuse")
            .field("prior", &self.prior.len())
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Reuse<'a> {
    /// Nothing to reuse and nothing to keep: a build.
    pub fn none() -> Reuse<'static> {
        Reuse::new(HashMap::new(), None)
    }

    /// `prior`: the keys of the files in `previous`, as the last render left them.
    pub fn new(
        prior: HashMap<String, blake3::Hash>,
        previous: Option<&'a dyn Previous>,
    ) -> Reuse<'a> {
        Reuse {
            prior,
            previous,
            made: Mutex::default(),
        }
    }

    /// Renders `template` for the file at `path`; or, when the last render made that file of
    /// the same template and context and `previous` still holds it, returns no bytes and lists
    /// the path as kept.
    pub fn render(
        &self,
        tera: &tera::Tera,
        template: &str,
        context: &KeyedContext,
        path: &str,
    ) -> tera::TeraResult<Vec<u8>> {
        let mut files = self.render_each(tera, template, context, &[path])?;
        Ok(files.pop().unwrap_or_default())
    }

    /// [`Reuse::render`] for several files of one template and context (an alert's page and
    /// its lowercase alias), rendered once: the bytes of each path, in order, empty for a
    /// path kept from the last render.
    pub fn render_each(
        &self,
        tera: &tera::Tera,
        template: &str,
        context: &KeyedContext,
        paths: &[&str],
    ) -> tera::TeraResult<Vec<Vec<u8>>> {
        let key = context.key(template);
        let kept: Vec<bool> = paths
            .iter()
            .map(|path| {
                key.is_some_and(|key| {
                    self.prior.get(*path) == Some(&key)
                        && self
                            .previous
                            .is_some_and(|previous| previous.bytes(path).is_some())
                })
            })
            .collect();
        let mut files = vec![Vec::new(); paths.len()];
        // The render moves into the last path that needs it, and is copied for the others.
        if let Some(last) = kept.iter().rposition(|&kept| !kept) {
            let bytes = tera.render(template, &context.tera())?.into_bytes();
            for (file, _) in files[..last]
                .iter_mut()
                .zip(&kept)
                .filter(|(_, kept)| !**kept)
            {
                file.clone_from(&bytes);
            }
            files[last] = bytes;
        }
        if let Some(key) = key {
            let mut made = self.lock();
            for (path, &kept) in paths.iter().zip(&kept) {
                made.keys.push((path.to_string(), key));
                if kept {
                    made.kept.push(path.to_string());
                }
            }
        }
        Ok(files)
    }

    /// The keys to keep for the next render (this render's, over the last one's unless this
    /// render made every file), and the paths whose files are the last render's. A path two
    /// templates rendered keeps no key: which of them the site holds is decided later
    /// ([`super::Output::insert`]), so neither may stand for it. (The check stage gives every
    /// contested path to one file before anything renders, [`crate::paths`]; two renders of
    /// one path are a bug, which the build reports as `duplicate-url`.)
    pub fn into_keys(self, every_file: bool) -> (HashMap<String, blake3::Hash>, Vec<String>) {
        let Made { keys: made, kept } = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut keys = if every_file {
            HashMap::with_capacity(made.len())
        } else {
            self.prior
        };
        let mut contested = Vec::new();
        let mut fresh = std::collections::HashSet::with_capacity(made.len());
        for (path, key) in made {
            if !fresh.insert(path.clone()) {
                contested.push(path.clone());
            }
            keys.insert(path, key);
        }
        for path in contested {
            keys.remove(&path);
        }
        (keys, kept)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Made> {
        self.made.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(HashMap<String, Vec<u8>>);

    impl Previous for Files {
        fn bytes(&self, path: &str) -> Option<&[u8]> {
            self.0.get(path).map(Vec::as_slice)
        }
    }

    /// Renders `{{ a }}-{{ b }}` for `path`.
    fn render(reuse: &Reuse, a: &str, b: &str, path: &str) -> Vec<u8> {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t.html", "{{ a }}-{{ b }}")
            .expect("template");
        let base = BaseContext::new(true);
        let mut context = base.child();
        context.insert("a", a);
        context.insert("b", b);
        reuse
            .render(&tera, "t.html", &context, path)
            .expect("render")
    }

    #[test]
    fn a_file_is_taken_from_the_last_render_only_when_its_context_is_the_same() {
        let first = Reuse::none();
        assert_eq!(render(&first, "1", "2", "x.html"), b"1-2");
        let (keys, kept) = first.into_keys(true);
        assert!(kept.is_empty());
        let files = Files([("x.html".to_string(), b"1-2".to_vec())].into());

        let same = Reuse::new(keys.clone(), Some(&files));
        assert_eq!(render(&same, "1", "2", "x.html"), b"", "kept, not copied");
        assert_eq!(same.into_keys(true).1, ["x.html"]);

        let other = Reuse::new(keys.clone(), Some(&files));
        assert_eq!(
            render(&other, "1", "3", "x.html"),
            b"1-3",
            "a changed value"
        );
        assert!(other.into_keys(true).1.is_empty());

        let moved = Reuse::new(keys.clone(), Some(&files));
        assert_eq!(render(&moved, "1", "2", "y.html"), b"1-2", "another path");

        let empty = Files(HashMap::new());
        let gone = Reuse::new(keys, Some(&empty));
        assert_eq!(
            render(&gone, "1", "2", "x.html"),
            b"1-2",
            "a file serve no longer holds"
        );
    }

    #[test]
    fn keys_tell_values_apart_from_names_and_templates() {
        let base = BaseContext::new(true);
        let key = |pairs: &[(&'static str, serde_json::Value)], template: &str| {
            let mut context = base.child();
            for (name, value) in pairs {
                context.insert(name, value);
            }
            context.key(template)
        };
        let text = |s: &str| serde_json::Value::from(s);
        let null = serde_json::Value::Null;
        assert_ne!(key(&[("a", text("b"))], "t"), key(&[("ab", text(""))], "t"));
        assert_ne!(key(&[("a", text("b"))], "t"), key(&[("a", text("b"))], "u"));
        assert_eq!(key(&[("a", text("b"))], "t"), key(&[("a", text("b"))], "t"));
        // Front matter `extra` holds any JSON value: types tell values apart.
        let one = serde_json::json!(1);
        assert_ne!(
            key(&[("x", one.clone())], "t"),
            key(&[("x", serde_json::json!(true))], "t")
        );
        assert_ne!(key(&[("x", one)], "t"), key(&[("x", text("1"))], "t"));
        assert_ne!(
            key(&[("x", null.clone()), ("y", text("z"))], "t"),
            key(&[("x", text("y")), ("z", null)], "t")
        );
        assert_eq!(BaseContext::new(false).child().key("t"), None);
    }

    #[test]
    fn a_render_of_some_files_keeps_the_other_keys() {
        let first = Reuse::none();
        render(&first, "1", "2", "x.html");
        render(&first, "1", "2", "y.html");
        let (keys, _) = first.into_keys(true);

        let some = Reuse::new(keys.clone(), None);
        render(&some, "1", "3", "x.html");
        let (after, _) = some.into_keys(false);
        assert_eq!(after["y.html"], keys["y.html"]);
        assert_ne!(after["x.html"], keys["x.html"]);

        let all = Reuse::new(keys, None);
        render(&all, "1", "3", "x.html");
        assert!(!all.into_keys(true).0.contains_key("y.html"));
    }

    #[test]
    fn files_of_one_context_are_rendered_once_and_kept_one_by_one() {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t.html", "{{ a }}")
            .expect("template");
        let base = BaseContext::new(true);
        let mut context = base.child();
        context.insert("a", "A");
        let first = Reuse::none();
        let made = first
            .render_each(&tera, "t.html", &context, &["x.html", "y.html"])
            .expect("render");
        assert_eq!(made, [b"A".to_vec(), b"A".to_vec()]);
        let (keys, _) = first.into_keys(true);
        assert_eq!(keys["x.html"], keys["y.html"]);

        // `serve` still holds x.html but lost y.html: only y.html is made again.
        let files = Files([("x.html".to_string(), b"A".to_vec())].into());
        let again = Reuse::new(keys, Some(&files));
        let made = again
            .render_each(&tera, "t.html", &context, &["x.html", "y.html"])
            .expect("render");
        assert_eq!(made, [Vec::new(), b"A".to_vec()]);
        assert_eq!(again.into_keys(true).1, ["x.html"]);
    }

    #[test]
    fn a_path_two_templates_rendered_keeps_no_key() {
        let reuse = Reuse::none();
        render(&reuse, "1", "2", "x.html");
        render(&reuse, "1", "3", "x.html");
        assert!(reuse.into_keys(true).0.is_empty());
    }
}
