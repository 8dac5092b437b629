//! `scim-host inventory`: drives inventory job components into an inbox. Each step's documents
//! and the run's next cursor are committed together (while the next step runs), so a driver
//! stopped anywhere (Ctrl-C, a crash, a kill) resumes the unfinished run on its next start with
//! nothing lost or repeated.
//! Graph's throttling and outages are waited out step by step, never by restarting a run.
//! Several jobs run at once ([`run_jobs`]), each with its own component instance and inbox
//! connection: while one waits on Graph or the inbox, another converts its page.

use crate::App;
use crate::inventory_job::{JobInstance, Next, StepError, StepRequest};
use inbox::{AnyInbox, Inbox, Mode};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use wasmtime::{Result, bail, error::Context as _};

/// Attempts at one step while Graph throttles or fails, before the driver stops (the run stays
/// resumable).
const STEP_ATTEMPTS: u32 = 8;

/// The jobs of one kind of object (`users`, `groups`, `group-membership`, ...): the component
/// for each mode it has. Found by component id: `<family>-full-inventory`,
/// `<family>-incremental-inventory`.
#[derive(Clone, Debug, Default)]
pub struct Family {
    pub full: Option<String>,
    pub incremental: Option<String>,
}

pub fn families(app: &App) -> BTreeMap<String, Family> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    for id in app.component_ids() {
        if let Some(name) = id.strip_suffix("-full-inventory") {
            families.entry(name.into()).or_default().full = Some(id.into());
        } else if let Some(name) = id.strip_suffix("-incremental-inventory") {
            families.entry(name.into()).or_default().incremental = Some(id.into());
        }
    }
    families
}

/// What one run (or the part of it this driver did) amounted to.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub family: String,
    pub mode: Mode,
    pub run_id: String,
    pub resumed: bool,
    /// Documents this driver wrote, and the run's total including earlier drivers'.
    pub documents: u64,
    pub run_documents: u64,
    pub steps: u64,
    pub graph_requests: u64,
    pub elapsed: Duration,
    pub watermark: String,
}

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Abandon an unfinished run (and its documents) instead of resuming it.
    pub restart: bool,
    /// Draw a progress line on stderr (when it is a terminal).
    pub progress: bool,
}

/// Runs the jobs of `families` in `mode` at once, each to completion into the inbox at `inbox`
/// (a connection of its own). One job failing does not stop the others; every run, finished or
/// not, stays resumable. Each family's outcome, in the order given.
pub async fn run_jobs(
    app: &App,
    families: &[String],
    mode: Mode,
    inbox: &str,
    options: &RunOptions,
) -> Vec<(String, Result<RunReport>)> {
    let tasks: Vec<_> = families
        .iter()
        .map(|family| {
            let (app, family, inbox, options) = (app.clone(), family.clone(), inbox.to_string(), options.clone());
            tokio::spawn(async move {
                let mut inbox = AnyInbox::open(&inbox).await?;
                run_job(&app, &family, mode, &mut inbox, &options).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for (family, task) in families.iter().zip(tasks) {
        let outcome = task.await.unwrap_or_else(|stopped| Err(wasmtime::format_err!("job `{family}` stopped: {stopped}")));
        outcomes.push((family.clone(), outcome));
    }
    outcomes
}

/// Runs one family's job in `mode` to completion.
pub async fn run_job<I: Inbox>(app: &App, family: &str, mode: Mode, inbox: &mut I, options: &RunOptions) -> Result<RunReport> {
    let families = families(app);
    let Some(jobs) = families.get(family) else {
        bail!("no inventory job `{family}`; the jobs are: {}", families.keys().cloned().collect::<Vec<_>>().join(", "));
    };
    let component = match mode {
        Mode::Full => jobs.full.as_ref(),
        Mode::Incremental => jobs.incremental.as_ref(),
    };
    let Some(component) = component else {
        bail!("job `{family}` has no {mode} mode");
    };
    if options.restart
        && let Some(run_id) = inbox.abandon_run(family).await?
    {
        eprintln!("Abandoned the unfinished run {run_id} of `{family}` and its documents.");
    }
    if mode == Mode::Incremental && inbox.last_completed(family).await?.is_none() {
        bail!("job `{family}` has no completed run to continue from: run `scim-host inventory {family} --mode full` first");
    }
    let mut job = app.job(component).await?;
    let mut run = inbox.start_run(family, mode).await?;
    let started = Instant::now();
    let mut report = RunReport {
        family: family.into(),
        mode,
        run_id: run.run_id.clone(),
        resumed: run.resumed,
        documents: 0,
        run_documents: run.documents,
        steps: 0,
        graph_requests: 0,
        elapsed: Duration::ZERO,
        watermark: String::new(),
    };
    let mut progress = Progress::new(options.progress, family, mode);
    let first = StepRequest { cursor: run.cursor.clone(), watermark: run.watermark.clone() };
    let mut step = match step_with_retries(&mut job, first, family).await {
        Ok(step) => step,
        // A first step that fails has written nothing: leave no empty run behind to resume.
        Err(error) if run.steps == 0 && !run.resumed => {
            inbox.abandon_run(family).await?;
            return Err(error);
        }
        Err(error) => return Err(error),
    };
    loop {
        let documents: Vec<inbox::Document> = step
            .documents
            .into_iter()
            .map(|d| inbox::Document { kind: d.kind, object_id: d.object_id, json: d.json })
            .collect();
        let (next, following) = match step.next {
            Next::More(cursor) => {
                let request = StepRequest { cursor: Some(cursor.clone()), watermark: run.watermark.clone() };
                (inbox::Next::More(cursor), Some(request))
            }
            Next::Done(watermark) => {
                report.watermark = watermark.clone();
                (inbox::Next::Done(watermark), None)
            }
        };
        // The next step runs while this one's documents are committed. If the commit fails,
        // that step's result goes unused: the run resumes from what was committed.
        let (committed, following) = tokio::join!(inbox.commit_step(&mut run, &documents, next), async {
            match following {
                Some(request) => Some(step_with_retries(&mut job, request, family).await),
                None => None,
            }
        });
        committed?;
        report.documents += documents.len() as u64;
        report.run_documents = run.documents;
        report.steps += 1;
        report.graph_requests += u64::from(step.graph_requests);
        report.elapsed = started.elapsed();
        progress.show(&report);
        match following {
            Some(following) => step = following?,
            None => {
                progress.finish();
                return Ok(report);
            }
        }
    }
}

async fn step_with_retries(
    job: &mut JobInstance,
    request: StepRequest,
    family: &str,
) -> Result<crate::inventory_job::StepResult> {
    let mut attempt = 1;
    loop {
        let outcome = job.step(request.clone()).await.with_context(|| format!("job `{family}` failed"))?;
        let unavailable = match outcome {
            Ok(step) => return Ok(step),
            Err(StepError::GraphUnavailable(unavailable)) => unavailable,
            Err(StepError::InvalidCursor(detail)) if request.cursor.is_none() => bail!(
                "job `{family}` cannot start from the last run's watermark ({detail}); run `scim-host inventory {family} --mode full`"
            ),
            Err(StepError::InvalidCursor(detail)) => bail!(
                "job `{family}` refused the unfinished run's cursor ({detail}); start over with --restart"
            ),
            Err(StepError::ResyncRequired(detail)) => bail!(
                "job `{family}` cannot continue from the last watermark ({detail}); run `scim-host inventory {family} --mode full`"
            ),
            Err(StepError::Failed(detail)) => bail!("job `{family}` failed: {detail}"),
        };
        if attempt == STEP_ATTEMPTS {
            bail!(
                "Microsoft Graph stayed unavailable for {STEP_ATTEMPTS} attempts ({}); the run is kept and resumes on the next start",
                unavailable.detail
            );
        }
        // Never sooner than Graph asked; otherwise back off exponentially from one second.
        let backoff = Duration::from_secs(1 << (attempt - 1).min(5));
        let wait = unavailable.retry_after_seconds.map_or(backoff, |s| Duration::from_secs(s.into()).max(Duration::from_secs(1)));
        eprintln!("Graph is unavailable ({}); retrying in {} s.", unavailable.detail, wait.as_secs());
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The progress line on stderr, redrawn after each step: documents, pages, Graph requests and
/// rate of every job running. Jobs run at once share the line; a finished job's last state stays
/// on a line of its own above it.
struct Progress {
    enabled: bool,
    label: String,
}

/// What each running job last showed, by label: the shared line's parts.
static RUNNING: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

impl Progress {
    fn new(wanted: bool, family: &str, mode: Mode) -> Progress {
        Progress { enabled: wanted && std::io::stderr().is_terminal(), label: format!("{family} ({mode})") }
    }

    fn show(&mut self, report: &RunReport) {
        if !self.enabled {
            return;
        }
        let rate = report.documents as f64 / report.elapsed.as_secs_f64().max(0.001);
        let state = format!(
            "{}: {} documents, {} pages, {} Graph requests, {rate:.0}/s",
            self.label, report.run_documents, report.steps, report.graph_requests
        );
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        running.insert(self.label.clone(), state);
        redraw(&running, None);
    }

    fn finish(&mut self) {
        if !self.enabled {
            return;
        }
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        let last = running.remove(&self.label);
        redraw(&running, last.as_deref());
    }
}

/// Rewrites the progress line, after printing `finished` on a line of its own.
fn redraw(running: &BTreeMap<String, String>, finished: Option<&str>) {
    let mut stderr = std::io::stderr().lock();
    if let Some(finished) = finished {
        let _ = writeln!(stderr, "\r\x1b[2K{finished}");
    }
    let line = running.values().map(String::as_str).collect::<Vec<_>>().join(" | ");
    let _ = write!(stderr, "\r\x1b[2K{line}");
    let _ = stderr.flush();
}

impl RunReport {
    /// The summary line printed when a run completes.
    pub fn summary(&self) -> String {
        let resumed = if self.resumed { " (resumed)" } else { "" };
        format!(
            "{} {} inventory{resumed}: {} documents ({} this time) in {} steps, {} Graph requests, {:.1} s; run {}",
            self.family,
            self.mode,
            self.run_documents,
            self.documents,
            self.steps,
            self.graph_requests,
            self.elapsed.as_secs_f64(),
            self.run_id
        )
    }
}
