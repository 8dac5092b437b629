//! A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in a temporary
//! directory, on a free loopback port, from the PostgreSQL binaries installed on the machine
//! (`.ci/run` installs Debian's `postgresql` when they are missing). It stops when the process
//! that started it exits, however it exits: the server runs under a shell that waits on a pipe
//! from this process, and the pipe closes with it.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub struct ScratchPostgres {
    port: u16,
    /// Holds the cluster, its socket and its log.
    directory: PathBuf,
    // Holding the pipe keeps the server up; dropping it (or exiting) shuts the server down.
    stop: Option<ChildStdin>,
    shell: Child,
}

/// Why a scratch server could not start, with what to do about it.
#[derive(Debug)]
pub struct ScratchError(pub String);

impl std::fmt::Display for ScratchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScratchError {}

impl ScratchPostgres {
    pub fn start() -> Result<ScratchPostgres, ScratchError> {
        let bin = server_binaries()?;
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let directory = std::env::temp_dir()
            .join(format!("scratch-postgres-{}-{}", std::process::id(), STARTED.fetch_add(1, Ordering::Relaxed)));
        let data = directory.join("data");
        std::fs::create_dir_all(&directory).map_err(|e| fail(format!("cannot create {}: {e}", directory.display())))?;
        // PostgreSQL refuses to run as root; as root, run it as the `postgres` account.
        let as_server_user = running_as_root();
        if as_server_user {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&directory))?;
        }
        let mut initdb = command(as_server_user, &bin.join("initdb"));
        initdb.arg("-D").arg(&data).args(["-A", "trust", "-U", "inbox", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        run(&mut initdb)?;

        let port = free_port()?;
        let server = format!(
            "{} -D {} -p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            bin.join("postgres").display(),
            data.display(),
            directory.display()
        );
        // The shell starts the server, waits for this process's pipe to close, then stops it and
        // removes the cluster (a static server is never dropped, so Drop cannot be relied on).
        let script = format!(
            "{server} >{log} 2>&1 & pid=$!; cat >/dev/null; kill -INT $pid; wait $pid; rm -rf {directory}",
            log = directory.join("log").display(),
            directory = directory.display()
        );
        let mut shell = command(as_server_user, Path::new("sh"));
        shell.args(["-c", &script]).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
        let mut shell = shell.spawn().map_err(|e| fail(format!("cannot start PostgreSQL: {e}")))?;
        let stop = shell.stdin.take();
        let scratch = ScratchPostgres { port, directory, stop, shell };
        scratch.wait_until_ready(&bin)?;
        Ok(scratch)
    }

    /// A URL for the cluster's `postgres` database.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    pub fn database_url(&self, database: &str) -> String {
        format!("postgres://inbox@127.0.0.1:{}/{database}", self.port)
    }

    /// An empty database `name` (dropped first if it exists), and its URL: one per test, so
    /// tests sharing the server do not see each other's tables.
    pub async fn fresh_database(&self, name: &str) -> Result<String, ScratchError> {
        let (admin, connection) = tokio_postgres::connect(&self.url(), tokio_postgres::NoTls)
            .await
            .map_err(|e| fail(format!("cannot connect to the scratch server: {e}")))?;
        tokio::spawn(connection);
        // Separate statements: neither may run inside a transaction block.
        for statement in [format!("DROP DATABASE IF EXISTS {name}"), format!("CREATE DATABASE {name}")] {
            admin.batch_execute(&statement).await.map_err(|e| fail(format!("{statement}: {e}")))?;
        }
        Ok(self.database_url(name))
    }

    /// Accepting connections is not enough: the server says "starting up" until recovery ends.
    fn wait_until_ready(&self, bin: &Path) -> Result<(), ScratchError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let mut ready = Command::new(bin.join("pg_isready"));
            ready.args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()]);
            if ready.status().is_ok_and(|status| status.success()) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.directory.join("log")).unwrap_or_default();
        Err(fail(format!("PostgreSQL did not start within 30 s; its log says:\n{log}")))
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        if let Some(mut stop) = self.stop.take() {
            let _ = stop.flush();
        }
        let _ = self.shell.wait();
    }
}

/// The directory with `initdb` and `postgres`: `$PG_BIN`, else the newest Debian install, else
/// wherever `pg_config` says.
fn server_binaries() -> Result<PathBuf, ScratchError> {
    if let Some(bin) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse::<u32>().ok()?, entry.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .max_by_key(|(version, _)| *version);
    if let Some((_, bin)) = debian {
        return Ok(bin);
    }
    Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        .filter(|bin| bin.join("initdb").exists())
        .ok_or_else(|| {
            fail("PostgreSQL's server binaries (initdb, postgres) are not installed: `apt-get install postgresql`, or set PG_BIN".into())
        })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn command(as_server_user: bool, program: &Path) -> Command {
    if as_server_user {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), ScratchError> {
    let output = command.output().map_err(|e| fail(format!("cannot run {command:?}: {e}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(fail(format!("{command:?} failed: {}", String::from_utf8_lossy(&output.stderr))))
    }
}

fn free_port() -> Result<u16, ScratchError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| fail(format!("no free loopback port: {e}")))
}

fn fail(message: String) -> ScratchError {
    ScratchError(message)
}
