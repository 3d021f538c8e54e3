//! The rendered site as the write stage receives it: every file by its path, held in memory or
//! streamed to the writer as it is made.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};

/// Every file of the built site: path relative to the site root -> bytes. Ordered, so that
/// writing and hashing it is deterministic.
///
/// An output made with [`Output::streaming`] passes each file's bytes on as it is inserted (to
/// the write stage, which writes while the rest renders) and keeps only its path.
#[derive(Debug, Default, Clone)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Paths that two outputs wanted; the first kept it. Reported as `duplicate-url`.
    pub collisions: Vec<String>,
    /// Paths whose files are the last render's, unchanged (`serve`, [`super::keyed`]): they are
    /// here with no bytes.
    pub kept: Vec<String>,
    stream: Option<Stream>,
}

/// How many files [`Output::insert_made`] makes before it inserts them: enough to keep both
/// cores busy, few enough that a slice of pages is a few megabytes.
pub(crate) const SLICE: usize = 256;

/// Where a streaming [`Output`] sends its files: (path, bytes).
pub type Stream = std::sync::mpsc::SyncSender<(String, Vec<u8>)>;

impl PartialEq for Output {
    fn eq(&self, other: &Output) -> bool {
        self.files == other.files && self.collisions == other.collisions
    }
}

impl Eq for Output {}

impl Output {
    /// An output holding every file in memory.
    pub fn in_memory(files: BTreeMap<String, Vec<u8>>) -> Output {
        Output {
            files,
            ..Output::default()
        }
    }

    /// An output that sends each new file to `stream` and keeps only its path (with no bytes).
    pub fn streaming(stream: Stream) -> Output {
        Output {
            stream: Some(stream),
            ..Output::default()
        }
    }

    /// Adds a file. A second file on the same path is kept out and recorded in `collisions`,
    /// so a content page at `tags/` and the generated tag index never silently overwrite.
    /// Fails only when a streaming output's receiver has stopped (the write stage failed).
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Result<()> {
        match self.files.entry(path.into()) {
            std::collections::btree_map::Entry::Occupied(taken) => {
                self.collisions.push(taken.key().clone());
            }
            std::collections::btree_map::Entry::Vacant(free) => match &self.stream {
                Some(stream) => {
                    let path = free.key().clone();
                    free.insert(Vec::new());
                    stream
                        .send((path, bytes.into()))
                        .map_err(|_| anyhow!("the write stage stopped"))?;
                }
                None => {
                    free.insert(bytes.into());
                }
            },
        }
        Ok(())
    }

    /// Makes the files of `jobs` in parallel, a slice at a time, and inserts each slice in job
    /// order: a streaming output writes one slice while the next is made, so a listing of
    /// thousands of pages never piles up in memory. Stops at the first job that fails.
    pub fn insert_made<J: Sync>(
        &mut self,
        jobs: &[J],
        make: impl Fn(&J) -> Result<Vec<(String, Vec<u8>)>> + Sync,
    ) -> Result<()> {
        use rayon::prelude::*;
        for slice in jobs.chunks(SLICE) {
            let made: Vec<Vec<(String, Vec<u8>)>> =
                slice.par_iter().map(&make).collect::<Result<_>>()?;
            for (path, bytes) in made.into_iter().flatten() {
                self.insert(path, bytes)?;
            }
        }
        Ok(())
    }

    /// An empty output that streams where this one does: filled on another thread, then
    /// [`absorb`](Output::absorb)ed.
    pub fn branch(&self) -> Output {
        Output {
            stream: self.stream.clone(),
            ..Output::default()
        }
    }

    /// Takes in the files of a [`branch`](Output::branch), as if inserted here after this
    /// output's own (a path both have is a collision; streamed bytes are not sent again).
    pub fn absorb(&mut self, branch: Output) {
        let streamed = branch.stream.is_some();
        self.collisions.extend(branch.collisions);
        for (path, bytes) in branch.files {
            match self.files.entry(path) {
                std::collections::btree_map::Entry::Occupied(taken) => {
                    self.collisions.push(taken.key().clone());
                }
                std::collections::btree_map::Entry::Vacant(free) => {
                    free.insert(if streamed { Vec::new() } else { bytes });
                }
            }
        }
    }

    /// Stops streaming: the receiver sees the end once every clone of the sender is gone.
    pub fn end_stream(&mut self) {
        self.stream = None;
    }

    /// The number of HTML pages.
    pub fn html_pages(&self) -> usize {
        self.files.keys().filter(|p| p.ends_with(".html")).count()
    }
}
