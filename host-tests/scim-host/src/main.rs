//! The `scim-host` command: `up` serves the connector (on an emulated demo tenant unless a real
//! tenant is configured), `inventory` runs inventory jobs into an inbox, `emulator` runs the
//! Microsoft Graph emulator alone, `routes` prints the gateway's route table generated from every
//! operation's `describe()`.

use clap::{Parser, Subcommand};
use graph_emulator::{Emulator, EmulatorConfig, Faults};
use scim_host::server::Server;
use scim_host::{App, HostOptions};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use wasmtime::{Result, bail, error::Context as _};

/// A line for the operator on stdout. A closed stdout (a supervisor or pipe that stopped
/// reading) must not end a running server, as `println!`'s panic would.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(name = "scim-host", version, about = "Runs the Entra ID SCIM connector's components in wasmtime")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the connector. With no tenant configured, it starts the Graph emulator with a demo
    /// tenant and serves that.
    Up(UpArgs),
    /// Run an inventory job (or `all`) into an inbox, resuming an unfinished run of it.
    Inventory(InventoryArgs),
    /// Run the Microsoft Graph emulator on its own.
    Emulator {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        tenant: DemoTenant,
    },
    /// Print the gateway's route table (components/gateway/routes.txt) from the components' describe().
    Routes {
        #[arg(long, default_value = component_artifacts::SPIN_MANIFEST)]
        manifest: PathBuf,
    },
    /// Print the Graph permissions guide (docs/permissions.md) from the components' describe().
    Permissions {
        #[arg(long, default_value = component_artifacts::SPIN_MANIFEST)]
        manifest: PathBuf,
    },
}

#[derive(clap::Args)]
struct UpArgs {
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    #[arg(long, default_value = component_artifacts::SPIN_MANIFEST)]
    manifest: PathBuf,
    /// The token SCIM callers must present. Required for a real tenant; generated for the demo.
    #[arg(long, env = "SPIN_VARIABLE_SCIM_BEARER_TOKEN", hide_env_values = true)]
    bearer_token: Option<String>,
    /// Requests one instance serves before it is replaced (1: a fresh instance per request).
    #[arg(long, default_value_t = scim_host::Limits::default().requests_per_instance)]
    requests_per_instance: usize,
    #[command(flatten)]
    tenant: TenantArgs,
}

#[derive(clap::Args)]
struct InventoryArgs {
    /// The job: users, groups, group-membership, group-ownership, or all.
    job: String,
    #[arg(long, value_enum, default_value = "full")]
    mode: InventoryMode,
    /// Where documents go: sqlite:<file> or postgres://user@host/database.
    #[arg(long, default_value = "sqlite:inbox.db")]
    inbox: String,
    /// Abandon the job's unfinished run (and its documents) instead of resuming it.
    #[arg(long)]
    restart: bool,
    #[arg(long, default_value = component_artifacts::SPIN_MANIFEST)]
    manifest: PathBuf,
    #[command(flatten)]
    tenant: TenantArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum InventoryMode {
    Full,
    Incremental,
}

/// The tenant to serve: a real one when its id is given, else the emulated demo tenant.
#[derive(clap::Args)]
struct TenantArgs {
    /// Directory (tenant) id of a real tenant; without it (or SPIN_VARIABLE_TENANT_ID), the demo tenant is served.
    #[arg(long, env = "SPIN_VARIABLE_TENANT_ID")]
    tenant_id: Option<String>,
    #[arg(long, env = "SPIN_VARIABLE_CLIENT_ID")]
    client_id: Option<String>,
    #[arg(long, env = "SPIN_VARIABLE_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    #[arg(long, env = "SPIN_VARIABLE_GRAPH_BASE_URL")]
    graph_base_url: Option<String>,
    #[arg(long, env = "SPIN_VARIABLE_LOGIN_BASE_URL")]
    login_base_url: Option<String>,
    /// Default domain of userNames: a SCIM userName without '@' is the userPrincipalName
    /// `<name>@<domain>`, and users of this domain read back without it (demo: contoso.onmicrosoft.com).
    #[arg(long, env = "SPIN_VARIABLE_UPN_DOMAIN")]
    upn_domain: Option<String>,
    /// Any application variable, as with `spin up --variable`: NAME=VALUE, or NAME=@FILE for a
    /// file's contents (a PEM certificate or key, a token). Repeatable; wins over the flags above.
    #[arg(long = "variable", value_name = "NAME=VALUE")]
    variables: Vec<String>,
    #[command(flatten)]
    demo: DemoTenant,
}

#[derive(clap::Args)]
struct DemoTenant {
    /// Users in the emulated demo tenant.
    #[arg(long, default_value_t = 100)]
    users: usize,
    /// Groups in the emulated demo tenant.
    #[arg(long, default_value_t = EmulatorConfig::default().groups)]
    groups: usize,
    /// Seed of the demo tenant's generator (same seed, same tenant).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Make the demo tenant an Azure AD B2C tenant (local accounts signing in with user names
    /// and email addresses, custom attributes, no advanced queries), served with tenant_type b2c.
    #[arg(long)]
    b2c: bool,
    #[command(flatten)]
    faults: FaultFlags,
}

/// Faults the emulator injects into Graph requests (token requests are spared), to see the
/// connector under throttling; `POST /_emulator/faults` changes them while it runs.
#[derive(clap::Args)]
struct FaultFlags {
    /// Percent of Graph requests answered 429 with Retry-After.
    #[arg(long, default_value_t = 0)]
    throttle_percent: u32,
    /// Percent answered 503 with Retry-After.
    #[arg(long, default_value_t = 0)]
    unavailable_percent: u32,
    /// Percent answered 500.
    #[arg(long, default_value_t = 0)]
    server_error_percent: u32,
    /// Percent processed and then left unanswered (the connection dropped).
    #[arg(long, default_value_t = 0)]
    drop_percent: u32,
    /// The Retry-After of 429 and 503 answers, in seconds.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Throttle as Graph's identity service does: by resource units per 10 s, with Graph's
    /// quota for the demo tenant's size (3,500, 5,000 or 8,000).
    #[arg(long)]
    resource_units: bool,
    /// Throttle by resource units with this quota per 10 s instead.
    #[arg(long, value_name = "UNITS")]
    resource_unit_quota: Option<u32>,
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(error) = runtime.block_on(run(cli.command)) {
        eprintln!("scim-host: {error:#}");
        std::process::exit(1);
    }
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Up(args) => up(args).await,
        Command::Inventory(args) => inventory(args).await,
        Command::Emulator { listen, tenant } => {
            let emulator = Emulator::start(demo_config(&tenant)?, listen).await.context("cannot start the emulator")?;
            let config = emulator.config();
            say!("Microsoft Graph emulator at {}", emulator.base_url());
            say!("  tenant id:     {}", config.tenant_id);
            say!("  client id:     {}", config.client_id);
            say!("  client secret: {}", config.client_secret);
            say!("  users:         {}", emulator.user_count());
            tokio::signal::ctrl_c().await?;
            Ok(())
        }
        Command::Routes { manifest } => {
            // describe() needs no variables; placeholders satisfy the manifest's required ones.
            let app = App::load(&manifest, HostOptions { variables: placeholder_variables(&manifest)?, ..Default::default() })?;
            print!("{}", scim_host::describe::gateway_routes(&app).await?);
            Ok(())
        }
        Command::Permissions { manifest } => {
            let app = App::load(&manifest, HostOptions { variables: placeholder_variables(&manifest)?, ..Default::default() })?;
            print!("{}", scim_host::describe::permissions_guide(&app).await?);
            Ok(())
        }
    }
}

/// A tenant's variables, and the emulator serving the demo tenant when no real one is given.
struct Tenant {
    variables: BTreeMap<String, String>,
    emulator: Option<Emulator>,
}

async fn connect(args: &TenantArgs) -> Result<Tenant> {
    let mut variables = BTreeMap::new();
    let mut emulator = None;
    match &args.tenant_id {
        Some(tenant_id) => {
            variables.insert("tenant_id".into(), tenant_id.clone());
            for (name, value) in [
                ("client_id", &args.client_id),
                ("client_secret", &args.client_secret),
                ("graph_base_url", &args.graph_base_url),
                ("login_base_url", &args.login_base_url),
            ] {
                if let Some(value) = value {
                    variables.insert(name.into(), value.clone());
                }
            }
        }
        None => {
            let started = Emulator::start(demo_config(&args.demo)?, "127.0.0.1:0".parse()?)
                .await
                .context("cannot start the Graph emulator")?;
            let config = started.config();
            variables.insert("tenant_id".into(), config.tenant_id.clone());
            variables.insert("client_id".into(), config.client_id.clone());
            variables.insert("client_secret".into(), config.client_secret.clone());
            variables.insert("graph_base_url".into(), started.base_url());
            variables.insert("login_base_url".into(), started.base_url());
            if args.demo.b2c {
                variables.insert("tenant_type".into(), "b2c".into());
                variables.insert("upn_domain".into(), graph_emulator::DOMAIN.into());
                variables.insert("b2c_extensions_app_id".into(), graph_emulator::DEMO_B2C_EXTENSIONS_APP_ID.into());
                variables.insert("b2c_custom_attributes".into(), "loyaltyNumber,membershipTier".into());
                variables.insert("user_attribute_map".into(), "b2c-user-to-account".into());
            }
            emulator = Some(started);
        }
    }
    if let Some(domain) = &args.upn_domain {
        variables.insert("upn_domain".into(), domain.clone());
    }
    for assignment in &args.variables {
        let (name, value) = variable_assignment(assignment)?;
        variables.insert(name, value);
    }
    Ok(Tenant { variables, emulator })
}

/// `NAME=VALUE` or `NAME=@FILE`.
fn variable_assignment(assignment: &str) -> Result<(String, String)> {
    let Some((name, value)) = assignment.split_once('=') else {
        bail!("--variable `{assignment}` is not NAME=VALUE");
    };
    let value = match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("--variable {name}: cannot read {path}"))?,
        None => value.to_string(),
    };
    Ok((name.trim().to_ascii_lowercase(), value))
}

/// The settings each `credential_type` cannot do without, checked before serving so a
/// misconfigured real tenant fails at start rather than at every request. The values are the
/// manifest's variables as the app will see them (given, `SPIN_VARIABLE_*`, defaults).
fn check_credential(manifest: &std::path::Path, given: &BTreeMap<String, String>) -> Result<()> {
    let variables = scim_host::variables::AppVariables::resolve(&scim_host::manifest::Manifest::load(manifest)?, given)?;
    let value = |name: &str| variables.get(name).filter(|v| !v.trim().is_empty());
    let credential_type = value("credential_type").unwrap_or_default();
    let needed: &[&str] = match credential_type {
        "client_secret" => &["client_id", "client_secret"],
        "certificate" => &["client_id", "client_certificate", "client_private_key"],
        "managed_identity" => &[],
        "federated_token" => &["client_id", "federated_token"],
        other => bail!("credential_type `{other}` is not one of client_secret, certificate, managed_identity, federated_token"),
    };
    let missing: Vec<String> = needed
        .iter()
        .filter(|name| value(name).is_none())
        .map(|name| format!("{name} (--variable {name}=... or SPIN_VARIABLE_{})", name.to_ascii_uppercase()))
        .collect();
    if !missing.is_empty() {
        bail!("credential_type {credential_type} needs: {}", missing.join(", "));
    }
    Ok(())
}

async fn up(args: UpArgs) -> Result<()> {
    let Tenant { mut variables, emulator } = connect(&args.tenant).await?;
    let given_token = args.bearer_token.clone().filter(|t| !t.is_empty());
    let bearer_token = match (&emulator, given_token) {
        (_, Some(token)) => token,
        (Some(_), None) => random_token(),
        (None, None) => bail!(
            "serving a real tenant needs a bearer token for SCIM callers: pass --bearer-token or set SPIN_VARIABLE_SCIM_BEARER_TOKEN"
        ),
    };
    variables.insert("scim_bearer_token".into(), bearer_token.clone());
    if emulator.is_none() {
        check_credential(&args.manifest, &variables)?;
    }

    let limits = scim_host::Limits { requests_per_instance: args.requests_per_instance.max(1), ..Default::default() };
    let app = App::load(&args.manifest, HostOptions { variables, limits, ..Default::default() })?;
    let server = Server::start(app, args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let url = server.url();
    match &emulator {
        Some(emulator) => say!(
            "Serving the SCIM connector at {url} on an emulated demo tenant ({} users, Graph emulator at {}).",
            emulator.user_count(),
            emulator.base_url()
        ),
        None => say!("Serving the SCIM connector at {url}."),
    }
    say!("Bearer token: {bearer_token}");
    say!("Try:\n  curl -H \"Authorization: Bearer {bearer_token}\" {url}/scim/v2/Users?count=2");
    tokio::signal::ctrl_c().await?;
    say!("Stopping.");
    Ok(())
}

async fn inventory(args: InventoryArgs) -> Result<()> {
    use scim_host::inventory_driver::{RunOptions, families, run_jobs};
    let mode = match args.mode {
        InventoryMode::Full => inbox::Mode::Full,
        InventoryMode::Incremental => inbox::Mode::Incremental,
    };
    let Tenant { mut variables, emulator } = connect(&args.tenant).await?;
    // Jobs are not served over HTTP here; the gateway's token is never used.
    variables.entry("scim_bearer_token".into()).or_insert_with(random_token);
    if emulator.is_none() {
        check_credential(&args.manifest, &variables)?;
    }
    let only_jobs: fn(&str) -> bool = |id| id.ends_with("-inventory");
    let app = App::load(&args.manifest, HostOptions { variables, only: Some(only_jobs), ..Default::default() })?;
    if let Some(emulator) = &emulator {
        say!("Inventory of an emulated demo tenant ({} users, {} groups).", emulator.user_count(), emulator.group_count());
    }
    // Opened once here so that a wrong location fails before any job starts.
    inbox::AnyInbox::open(&args.inbox).await?;
    let jobs: Vec<String> = if args.job == "all" {
        let all = families(&app);
        // Memberships and ownerships have only a full mode: their changes come with the
        // incremental groups job.
        all.into_iter()
            .filter(|(_, family)| mode == inbox::Mode::Full || family.incremental.is_some())
            .map(|(name, _)| name)
            .collect()
    } else {
        vec![args.job.clone()]
    };
    let options = RunOptions { restart: args.restart, progress: true };
    let mut outcomes = run_jobs(&app, &jobs, mode, &args.inbox, &options).await;
    if let [(_, Err(_))] = outcomes.as_slice() {
        return outcomes.remove(0).1.map(drop);
    }
    let mut failed = Vec::new();
    for (job, outcome) in outcomes {
        match outcome {
            Ok(report) => say!("{}", report.summary()),
            Err(error) => {
                eprintln!("Error: {error:#}");
                failed.push(job);
            }
        }
    }
    if !failed.is_empty() {
        bail!("{} of {} jobs did not complete: {} (see above)", failed.len(), jobs.len(), failed.join(", "));
    }
    Ok(())
}

fn demo_config(tenant: &DemoTenant) -> Result<EmulatorConfig> {
    let f = &tenant.faults;
    let shares = [f.throttle_percent, f.unavailable_percent, f.server_error_percent, f.drop_percent];
    if shares.iter().sum::<u32>() > 100 {
        bail!("the fault percentages add up to more than 100");
    }
    let faults = Faults {
        throttle_percent: f.throttle_percent,
        unavailable_percent: f.unavailable_percent,
        server_error_percent: f.server_error_percent,
        drop_percent: f.drop_percent,
        retry_after_seconds: f.retry_after,
        latency_ms: f.latency_ms,
        resource_unit_quota: match (f.resource_unit_quota, f.resource_units) {
            (Some(quota), _) => quota,
            (None, true) => graph_emulator::resource_units::tenant_quota(tenant.users),
            (None, false) => 0,
        },
    };
    let b2c = tenant.b2c.then(graph_emulator::B2c::default);
    Ok(EmulatorConfig { users: tenant.users, groups: tenant.groups, seed: tenant.seed, faults, b2c, ..EmulatorConfig::default() })
}

fn placeholder_variables(manifest: &std::path::Path) -> Result<BTreeMap<String, String>> {
    let manifest = scim_host::manifest::Manifest::load(manifest)?;
    Ok(manifest.variables.into_iter().filter(|(_, decl)| decl.required).map(|(name, _)| (name, "unused".into())).collect())
}

/// 32 random bytes from the operating system, hex-encoded.
fn random_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("cannot read /dev/urandom for a bearer token");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
