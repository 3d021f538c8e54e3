//! Work that may not finish in time, done in child processes that can be abandoned.
//!
//! Laying out a Mermaid diagram, or highlighting a block with very long lines, can take minutes
//! on hostile input, and a single library call cannot be interrupted: a thread cannot be
//! stopped, only a process can. So these jobs go to workers: children running the same
//! `rb-site` binary's hidden `__render-worker` subcommand ([`WORKER_COMMAND`]), which read jobs
//! on stdin and answer on stdout, one at a time, for as long as they live. A job that overruns
//! its time bound gets its worker killed; the next job starts a fresh one.
//!
//! The bound is on the CPU time the worker spends on the job (read from `/proc`, where there is
//! one), not on the clock: on a loaded machine (CI runners, a laptop mid-build) a diagram that
//! takes two seconds alone can take ten on the clock, and a bound on the clock would make the
//! same site build differently from run to run. The clock still ends a job at twenty times the
//! bound, in case a worker stops using CPU without answering (such an outcome says nothing
//! about the job, so callers do not remember it).
//!
//! A [`WorkerPool`] keeps idle workers for reuse and starts one per concurrent caller, so the
//! rayon threads rendering pages each get their own and parallelism is as without workers.
//! Workers are started only when a job needs one (a diagram not in the cache), and killed when
//! the pool is dropped.
//!
//! Only the `rb-site` binary can be a worker: the library is told which program to start
//! ([`crate::config::Config::worker`], set by the CLI). Without one (the library in unit tests,
//! the fuzz targets), jobs run in-process, with the bounds that need no process (see
//! [`super::highlight`]).
//!
//! The protocol is length-prefixed frames: a job is a tag byte and its fields, an answer a
//! status byte and a text, each field a little-endian `u64` length and UTF-8 bytes.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The hidden subcommand that makes the binary a worker.
pub const WORKER_COMMAND: &str = "__render-worker";

/// How often a waiting caller looks at its worker's CPU time.
const POLL: Duration = Duration::from_millis(50);

/// Frames larger than this are refused: no real diagram or code block comes near it.
const MAX_FRAME: u64 = 256 << 20;

/// A job for a worker.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Job<'a> {
    /// A diagram's source: answered with the library's SVG or why it failed.
    Mermaid(&'a str),
    /// A code block in a language with a grammar: answered with its highlighted HTML.
    Highlight { lang: &'a str, code: &'a str },
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The worker's answer: the result, or why the job failed.
    Done(Result<String, String>),
    /// The job ran past its bound; its worker was killed. `by_clock`: the clock ran out, not
    /// the CPU time (the machine was starved, or the worker stopped working).
    TimedOut { by_clock: bool },
    /// The worker could not be started or died mid-job (an abort, a stack overflow).
    Crashed(String),
}

/// Workers of one program, reused between jobs.
#[derive(Debug)]
pub(crate) struct WorkerPool {
    program: PathBuf,
    idle: Mutex<Vec<Worker>>,
}

#[derive(Debug)]
struct Worker {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    /// Answers read by the worker's reader thread; closed when the worker's stdout closes.
    answers: Receiver<std::io::Result<Result<String, String>>>,
}

impl WorkerPool {
    /// A pool of workers running `program` (the `rb-site` binary).
    pub(crate) fn new(program: PathBuf) -> WorkerPool {
        WorkerPool {
            program,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `job` in a worker, waiting at most `bound` for the answer.
    pub(crate) fn run(&self, job: Job<'_>, bound: Duration) -> Outcome {
        let idle = self.lock().pop();
        let mut worker = match idle {
            Some(worker) => worker,
            None => match Worker::start(&self.program) {
                Ok(worker) => worker,
                Err(err) => {
                    return Outcome::Crashed(format!(
                        "cannot start {} as a worker: {err}",
                        self.program.display()
                    ));
                }
            },
        };
        if let Err(err) = write_job(&mut worker.stdin, job) {
            worker.kill();
            return Outcome::Crashed(format!("the worker stopped taking jobs: {err}"));
        }
        let started = Instant::now();
        let cpu_before = worker.cpu_time();
        loop {
            match worker.answers.recv_timeout(POLL) {
                Ok(Ok(answer)) => {
                    self.lock().push(worker);
                    return Outcome::Done(answer);
                }
                Err(RecvTimeoutError::Timeout) => {
                    let wall = started.elapsed();
                    let cpu = match (cpu_before, worker.cpu_time()) {
                        (Some(before), Some(now)) => now.saturating_sub(before),
                        _ => wall,
                    };
                    if cpu > bound || wall > bound * 20 {
                        worker.kill();
                        return Outcome::TimedOut {
                            by_clock: cpu <= bound,
                        };
                    }
                }
                Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                    let status = worker.kill();
                    return Outcome::Crashed(format!("the worker died ({status})"));
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Worker>> {
        // A poisoned lock only means a thread panicked while holding it; the list is intact.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Worker {
    fn start(program: &Path) -> std::io::Result<Worker> {
        let mut child = Command::new(program)
            .arg(WORKER_COMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // A panic inside the layout library prints its message; the diagnostic says it.
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("no pipes to the worker"));
        };
        let (send, answers) = channel();
        // The reader ends when the worker's stdout closes (it exited or was killed) or when
        // nobody waits for its answers any more.
        std::thread::Builder::new()
            .name("rb-site worker reader".into())
            .spawn(move || {
                let mut stdout = BufReader::new(stdout);
                loop {
                    let answer = read_answer(&mut stdout);
                    let failed = answer.is_err();
                    if send.send(answer).is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok(Worker {
            child,
            stdin: BufWriter::new(stdin),
            answers,
        })
    }

    /// The CPU time the worker has used (user and system), where the system tells.
    fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // The command name (field 2) is in parentheses and may hold spaces: count after it.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        // utime and stime are fields 14 and 15; after the name, the state is field 3.
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        let per_second = rustix::param::clock_ticks_per_second().max(1);
        Some(Duration::from_micros(
            ticks.saturating_mul(1_000_000) / per_second,
        ))
    }

    /// Kills the worker and reaps it, returning how it ended, in words.
    fn kill(mut self) -> String {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => status.to_string(),
            Err(err) => err.to_string(),
        }
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        for worker in self.lock().drain(..) {
            worker.kill();
        }
    }
}

/// The worker's side: answers jobs from stdin on stdout until stdin closes.
/// `answer` does the work of one job in this process.
pub fn serve_jobs(answer: impl Fn(Job<'_>) -> Result<String, String>) -> std::io::Result<()> {
    // A worker dies with its parent: a build killed mid-diagram leaves no layout running. (It
    // also stops at the end of its input, when the parent's end of the pipe closes.)
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    while let Some((tag, fields)) = read_job(&mut input)? {
        let job = match (tag, fields.as_slice()) {
            (b'M', [source]) => Job::Mermaid(source),
            (b'H', [lang, code]) => Job::Highlight { lang, code },
            _ => return Err(std::io::Error::other("unknown job")),
        };
        let answer = answer(job);
        let (status, text) = match &answer {
            Ok(text) => (0, text),
            Err(text) => (1, text),
        };
        output.write_all(&[status])?;
        write_field(&mut output, text)?;
        output.flush()?;
    }
    Ok(())
}

fn write_job(out: &mut impl Write, job: Job<'_>) -> std::io::Result<()> {
    match job {
        Job::Mermaid(source) => {
            out.write_all(b"M")?;
            write_field(out, source)?;
        }
        Job::Highlight { lang, code } => {
            out.write_all(b"H")?;
            write_field(out, lang)?;
            write_field(out, code)?;
        }
    }
    out.flush()
}

/// A job's tag and fields, or `None` at the end of the input.
fn read_job(input: &mut impl Read) -> std::io::Result<Option<(u8, Vec<String>)>> {
    let mut tag = [0];
    if input.read(&mut tag)? == 0 {
        return Ok(None);
    }
    let count = match tag[0] {
        b'M' => 1,
        b'H' => 2,
        _ => return Err(std::io::Error::other("unknown job")),
    };
    let fields = (0..count)
        .map(|_| read_field(input))
        .collect::<std::io::Result<_>>()?;
    Ok(Some((tag[0], fields)))
}

fn read_answer(input: &mut impl Read) -> std::io::Result<Result<String, String>> {
    let mut status = [0];
    input.read_exact(&mut status)?;
    let text = read_field(input)?;
    Ok(if status[0] == 0 { Ok(text) } else { Err(text) })
}

fn write_field(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(&(text.len() as u64).to_le_bytes())?;
    out.write_all(text.as_bytes())
}

fn read_field(input: &mut impl Read) -> std::io::Result<String> {
    let mut len = [0; 8];
    input.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(std::io::Error::other("frame too large"));
    }
    let mut bytes = Vec::new();
    input.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    String::from_utf8(bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut bytes = Vec::new();
        write_job(
            &mut bytes,
            Job::Highlight {
                lang: "bash",
                code: "echo é\n",
            },
        )
        .expect("write");
        write_job(&mut bytes, Job::Mermaid("graph TD\nA-->B")).expect("write");
        let mut input = bytes.as_slice();
        let (tag, fields) = read_job(&mut input).expect("read").expect("a job");
        assert_eq!(
            (tag, fields),
            (b'H', vec!["bash".into(), "echo é\n".into()])
        );
        let (tag, fields) = read_job(&mut input).expect("read").expect("a job");
        assert_eq!((tag, fields), (b'M', vec!["graph TD\nA-->B".into()]));
        assert!(read_job(&mut input).expect("end").is_none());
    }

    #[test]
    fn truncated_and_oversized_frames_are_errors() {
        let mut answer = vec![0];
        write_field(&mut answer, "svg").expect("write");
        assert_eq!(
            read_answer(&mut answer.as_slice()).expect("read"),
            Ok("svg".to_string())
        );
        answer.pop();
        assert!(read_answer(&mut answer.as_slice()).is_err());
        let mut huge = vec![1];
        huge.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(read_answer(&mut huge.as_slice()).is_err());
    }

    #[test]
    fn a_program_that_is_not_a_worker_is_a_crash_not_a_hang() {
        // `true` exits at once: the job is never answered.
        let pool = WorkerPool::new(PathBuf::from("true"));
        let outcome = pool.run(Job::Mermaid("graph TD\nA-->B"), Duration::from_secs(30));
        assert!(matches!(outcome, Outcome::Crashed(_)), "{outcome:?}");
        let missing = WorkerPool::new(PathBuf::from("/nonexistent/rb-site"));
        let outcome = missing.run(Job::Mermaid("graph TD"), Duration::from_secs(30));
        assert!(
            matches!(&outcome, Outcome::Crashed(why) if why.contains("cannot start")),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_job_past_its_bound_kills_the_worker() {
        // A "worker" that takes the job and never answers.
        let dir = tempfile::tempdir().expect("tempdir");
        let program = dir.path().join("silent-worker");
        std::fs::write(&program, "#!/bin/sh\nexec sleep 600\n").expect("write");
        let mut perms = std::fs::metadata(&program).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&program, perms).expect("chmod");
        let pool = WorkerPool::new(program);
        let start = std::time::Instant::now();
        let outcome = pool.run(Job::Mermaid("graph TD"), Duration::from_millis(100));
        // It used no CPU: the clock ended it, at 20 times the bound.
        assert_eq!(outcome, Outcome::TimedOut { by_clock: true });
        assert!(start.elapsed() >= Duration::from_secs(2));
        assert!(start.elapsed() < Duration::from_secs(10));
        assert!(pool.lock().is_empty(), "the killed worker is not reused");
    }

    #[test]
    fn cpu_time_is_read_for_a_live_worker() {
        let dir = tempfile::tempdir().expect("tempdir");
        let program = dir.path().join("busy-worker");
        std::fs::write(&program, "#!/bin/sh\nwhile :; do :; done\n").expect("write");
        let mut perms = std::fs::metadata(&program).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&program, perms).expect("chmod");
        let worker = Worker::start(&program).expect("start");
        let start = Instant::now();
        let mut used = worker.cpu_time().expect("a live worker's CPU time");
        while used.is_zero() && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(POLL);
            used = worker.cpu_time().expect("a live worker's CPU time");
        }
        assert!(!used.is_zero(), "a spinning worker uses CPU");
        worker.kill();
    }
}
