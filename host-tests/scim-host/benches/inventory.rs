//! Full inventory of a large emulated tenant into SQLite with `scim-host inventory all`, beside
//! the time to fetch the same Graph pages with no processing; then an incremental run after 1%
//! of the users and groups changed. Wall time, Graph requests (counted by the emulator) and the
//! driver's peak memory (VmHWM of the `scim-host` process, which holds the component instances).
//! Writes its section of docs/benchmarks.md.
//!
//! Run: `cargo bench -p scim-host --bench inventory` (100,000 users, 10,000 groups; add
//! `-- --users N --groups M` for another size).

#[path = "support/benchmarks_doc.rs"]
mod benchmarks_doc;

use graph::{Credential, GraphClient, GraphConfig, GroupQuery, MAX_BATCH, MAX_MEMBER_PAGE, TokenCache, Transport, TransportError, UserQuery};
use graph_emulator::{Emulator, EmulatorConfig};
use http_body_util::{BodyExt, Full};
use serde_json::json;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let argument = |name: &str, default: usize| {
        std::env::args().skip_while(|a| a != name).nth(1).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let (users, groups) = (argument("--users", 100_000), argument("--groups", 10_000));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(users, groups));
}

/// What one `scim-host inventory` run cost.
struct DriverRun {
    elapsed: Duration,
    graph_requests: u64,
    peak_memory_kib: u64,
    summaries: Vec<String>,
}

async fn run(users: usize, groups: usize) {
    let generation = Instant::now();
    let emulator = Emulator::start(EmulatorConfig { users, groups, ..Default::default() }, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let generated = generation.elapsed();
    let graph = NativeGraph::new(&emulator);

    let before = emulator.request_count();
    let raw = Instant::now();
    let fetched = graph.fetch_everything().await;
    let raw_elapsed = raw.elapsed();
    let raw_requests = emulator.request_count() - before;

    let directory = tempfile::tempdir().unwrap();
    // The first start compiles the job components into wasmtime's cache (the rows below start
    // from the cache, as every later start does): measured apart.
    let scratch = format!("sqlite:{}", directory.path().join("first-start.db").display());
    let first_start = drive(&emulator, &scratch, "group-ownership", "full");
    let inbox = format!("sqlite:{}", directory.path().join("inbox.db").display());
    let full = drive(&emulator, &inbox, "all", "full");
    let stored = std::fs::metadata(directory.path().join("inbox.db")).map(|m| m.len()).unwrap_or(0);

    // 1% of the users change title; 1% of the groups gain a member (or, for a group of everyone,
    // lose one).
    let changes = Instant::now();
    let all_users = emulator.users();
    let all_groups = emulator.groups();
    for user in all_users.iter().step_by(100) {
        graph.client().update_user(user["id"].as_str().unwrap(), &json!({ "jobTitle": "Changed for the benchmark" })).await.unwrap();
    }
    for (index, group) in all_groups.iter().step_by(100).enumerate() {
        let group_id = group["id"].as_str().unwrap();
        let members = emulator.members_of(group_id);
        let newcomer = all_users.iter().map(|u| u["id"].as_str().unwrap()).skip(index * 7).find(|u| !members.iter().any(|m| m == u));
        match newcomer {
            Some(user) => graph.client().add_member(group_id, user).await.unwrap(),
            None => graph.client().remove_member(group_id, &members[0]).await.unwrap(),
        }
    }
    let changed = (all_users.len().div_ceil(100), all_groups.len().div_ceil(100), changes.elapsed());
    let incremental = drive(&emulator, &inbox, "all", "incremental");

    let mut out = String::new();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    writeln!(
        out,
        "Produced by `cargo bench -p scim-host --bench inventory` (release build): `scim-host inventory all` as a \
         separate process against the Graph emulator (generated in {:.1} s), into SQLite, on {cores} cores shared by \
         the emulator and the driver. Graph requests are counted by the emulator (token requests not included); peak \
         memory is the driver process's high-water mark (VmHWM), component instances included.\n",
        generated.as_secs_f64()
    )
    .unwrap();
    writeln!(out, "Tenant: {users} users, {groups} groups ({} memberships, {} ownerships).\n", fetched.members, fetched.owners).unwrap();
    writeln!(out, "| run | wall time | Graph requests | peak memory |").unwrap();
    writeln!(out, "|---|---:|---:|---:|").unwrap();
    writeln!(
        out,
        "| the same pages fetched natively with the Graph client, nothing else done | {:.1} s | {raw_requests} | (in-process) |",
        raw_elapsed.as_secs_f64()
    )
    .unwrap();
    let rows = [
        ("first start: `inventory group-ownership`, compiling the job components into the cache", &first_start),
        ("full inventory, every job", &full),
        ("incremental inventory after 1% changed", &incremental),
    ];
    for (label, run) in rows {
        writeln!(
            out,
            "| {label} | {:.1} s | {} | {:.1} MiB |",
            run.elapsed.as_secs_f64(),
            run.graph_requests,
            run.peak_memory_kib as f64 / 1024.0
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nFull run / raw fetch: **{:.2}×** wall time. Incremental run: **{:.1}%** of the full run's Graph requests, \
         after {} users and {} groups changed (made in {:.1} s). The inbox file after both runs: {:.0} MiB.\n",
        full.elapsed.as_secs_f64() / raw_elapsed.as_secs_f64(),
        100.0 * incremental.graph_requests as f64 / full.graph_requests as f64,
        changed.0,
        changed.1,
        changed.2.as_secs_f64(),
        stored as f64 / (1024.0 * 1024.0),
    )
    .unwrap();
    writeln!(out, "The driver's summaries:\n").unwrap();
    for line in first_start.summaries.iter().chain(&full.summaries).chain(&incremental.summaries) {
        writeln!(out, "- {line}").unwrap();
    }
    print!("{out}");
    benchmarks_doc::write_section(&format!("Inventory of a {users}-user, {groups}-group tenant"), &out);
}

/// Runs `scim-host inventory <job> --mode <mode>` to completion, sampling its memory.
fn drive(emulator: &Emulator, inbox: &str, job: &str, mode: &str) -> DriverRun {
    let config = emulator.config();
    let before = emulator.request_count();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-host"))
        .args(["inventory", job, "--mode", mode, "--inbox", inbox, "--tenant-id", &config.tenant_id])
        .args(["--client-id", &config.client_id, "--client-secret", &config.client_secret])
        .args(["--graph-base-url", &emulator.base_url(), "--login-base-url", &emulator.base_url()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak_memory_kib = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(hwm) = std::fs::read_to_string(&status).ok().and_then(|s| high_water_mark(&s)) {
            peak_memory_kib = peak_memory_kib.max(hwm);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the {mode} run failed");
    let summaries = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(" inventory"))
        .map(str::to_string)
        .collect();
    DriverRun { elapsed, graph_requests: emulator.request_count() - before, peak_memory_kib, summaries }
}

fn high_water_mark(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The connector's Graph client in this process, over hyper.
struct NativeGraph {
    transport: Hyper,
    config: GraphConfig,
    tokens: TokenCache,
}

struct Fetched {
    members: usize,
    owners: usize,
}

#[derive(Clone, Copy)]
enum Links {
    Members,
    Owners,
}

impl NativeGraph {
    fn new(emulator: &Emulator) -> NativeGraph {
        let settings = emulator.config();
        let config = GraphConfig {
            graph_base_url: emulator.base_url(),
            login_base_url: emulator.base_url(),
            tenant_id: settings.tenant_id.clone(),
            client_id: settings.client_id.clone(),
            credential: Credential::ClientSecret(settings.client_secret.clone()),
        };
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        NativeGraph { transport: Hyper(client), config, tokens: TokenCache::new() }
    }

    fn client(&self) -> GraphClient<'_, Hyper> {
        GraphClient::new(&self.transport, &self.config, &self.tokens)
    }

    /// Every page the full jobs read, as they read them: users and groups 999 a page; for the
    /// membership and the ownership job, groups 100 a page (as they page them) and each group's
    /// first page of links 20 groups to a `$batch` request, any further pages one by one.
    async fn fetch_everything(&self) -> Fetched {
        let graph = self.client();
        let mut token = None;
        loop {
            let page = graph.list_users(&UserQuery { top: Some(999), skip_token: token, ..Default::default() }).await.unwrap();
            token = page.skip_token;
            if token.is_none() {
                break;
            }
        }
        self.group_pages(999).await;
        Fetched { members: self.links(Links::Members).await, owners: self.links(Links::Owners).await }
    }

    /// How the membership (or ownership) job reads: groups 100 a page, each group's first page
    /// of links 20 groups to a `$batch` request, further pages one by one. The links read.
    async fn links(&self, links: Links) -> usize {
        let graph = self.client();
        let mut read = 0;
        for group_ids in self.group_pages(100).await {
            for batch in group_ids.chunks(MAX_BATCH) {
                let firsts = match links {
                    Links::Members => graph.first_member_pages(batch).await,
                    Links::Owners => graph.first_owner_pages(batch).await,
                };
                for (id, first) in batch.iter().zip(firsts) {
                    let mut page = first.unwrap();
                    read += page.value.len();
                    while let Some(token) = page.skip_token {
                        page = match links {
                            Links::Members => graph.list_members(id, MAX_MEMBER_PAGE, Some(&token)).await,
                            Links::Owners => graph.list_owners(id, MAX_MEMBER_PAGE, Some(&token)).await,
                        }
                        .unwrap();
                        read += page.value.len();
                    }
                }
            }
        }
        read
    }

    /// Every group id, `top` a page, page by page.
    async fn group_pages(&self, top: u32) -> Vec<Vec<String>> {
        let graph = self.client();
        let (mut pages, mut token) = (Vec::new(), None);
        loop {
            let page = graph.list_groups(&GroupQuery { top: Some(top), skip_token: token, ..Default::default() }).await.unwrap();
            pages.push(page.value.into_iter().filter_map(|g| g.id).collect());
            token = page.skip_token;
            if token.is_none() {
                return pages;
            }
        }
    }
}

struct Hyper(hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Full<bytes::Bytes>>);

impl Transport for Hyper {
    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
        let request = request.map(|body| Full::new(bytes::Bytes::from(body)));
        let response = self.0.request(request).await.map_err(|e| TransportError::new(e.to_string()))?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| TransportError::new(e.to_string()))?.to_bytes();
        Ok(http::Response::from_parts(parts, body.to_vec()))
    }
}
