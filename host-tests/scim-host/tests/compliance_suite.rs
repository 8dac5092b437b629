//! The independent compliance suite: scim2-tester (through scim2-cli, pinned below) against
//! `scim-host up` on the demo tenant, in a virtual environment this test makes under the target
//! directory. Every ERROR or CRITICAL result fails the test and is printed, except the known
//! conflicts below, each a place where the tester's generic checks meet what Microsoft Graph
//! stores or RFC 7643/7644 allows; so does a suite that cannot be installed or run (nothing is
//! skipped silently).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The versions the suite was run with; upgrading is a deliberate change.
const PACKAGES: &[&str] = &["scim2-cli==0.6.0", "scim2-tester==0.5.2", "scim2-models==0.12.3", "scim2-client==0.13.2"];
const TOKEN: &str = "compliance-suite-token";
/// The suite takes under a minute here; a run that takes far longer is stuck.
const SUITE_TIME_LIMIT: Duration = Duration::from_secs(600);

/// The results the connector cannot turn into successes without storing something other than
/// what it was sent, or answering other than the RFCs say: (what the result's text contains, why).
/// A result the tester draws at random (a value, a type) may or may not show in a run.
const KNOWN_CONFLICTS: &[(&str, &str)] = &[
    (
        "employeeId is longer than the 16 characters Microsoft Graph accepts",
        "Graph's employeeId holds at most 16 characters; the tester fills employeeNumber (and every \
         User it creates whole) with a 36-character UUID, which the connector refuses rather than cut",
    ),
    (
        "unexpected value for 'addresses'",
        "a Graph user has one postal address (the work one) and an office location; a home or other \
         address keeps only what fits there",
    ),
    (
        "'endDateTime'",
        "endDateTime is returned on request (it takes User-LifeCycleInfo.Read.All): the PATCH answer \
         has it, the tester's plain GET after it does not ask for it (RFC 7643 section 7)",
    ),
    (
        "unexpected value for 'urn:ietf:params:scim:schemas:azureAdB2C:2.0:UserProfile",
        "Graph keeps every user's userPrincipalName identity beside the ones added, and an add to a \
         multi-valued attribute appends (RFC 7644 section 3.5.2.1); the tester expects its value alone",
    ),
    (
        "unexpected value for 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager'",
        "manager.displayName is read-only and filled from the directory (RFC 7643 section 4.3); the \
         tester expects it absent",
    ),
    (
        "unexpected value for 'members'",
        "members.display is read-only and filled from the directory; the tester expects it absent",
    ),
    (
        "unexpected value for 'urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group'",
        "owners.display is read-only and filled from the directory, and owners added join the \
         group's others; the tester expects its value alone",
    ),
    (
        "unexpected value for 'urn:ietf:params:scim:schemas:extension:azureAdGroup:2.0:Group:owners'",
        "the same, for the owners attribute alone",
    ),
    (
        "The service does not currently support writes of mail-enabled groups",
        "Graph makes no group mail-enabled except a Microsoft 365 one, and only when created",
    ),
    (
        "A group cannot be changed into or out of a Microsoft 365 group",
        "Graph fixes a group's Unified type when it is created",
    ),
    (
        "cannot be removed: Microsoft Graph always keeps a value for it",
        "every Graph group has mailNickname (our externalId), securityEnabled, mailEnabled and \
         groupTypes; the connector refuses their removal (400 mutability) instead of ignoring it",
    ),
    (
        "The group must have at least one owner, hence this owner cannot be removed.",
        "Graph keeps a group's last owner",
    ),
];

#[test]
fn scim2_tester_reports_no_error_beyond_the_known_conflicts() {
    let python = virtual_environment();
    let mut host = ScimHost::start();
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compliance/run_scim2_tester.py");
    let url = format!("{}/scim/v2", host.url);
    let output = run_with_limit(
        Command::new(&python)
            .arg(&runner)
            .args(["--url", &url, "--header", &format!("Authorization: Bearer {TOKEN}"), "test"]),
        SUITE_TIME_LIMIT,
    );
    host.stop();

    let report = Report::parse(&output);
    assert!(
        output.contains("Performing a SCIM compliance check") && report.success > 50,
        "scim2-tester did not run its checks ({} successes):\n{output}",
        report.success
    );
    println!("scim2-tester: {} SUCCESS, {} SKIPPED, {} ERROR or CRITICAL", report.success, report.skipped, report.failures.len());
    let mut unexplained = Vec::new();
    for failure in &report.failures {
        match KNOWN_CONFLICTS.iter().find(|(text, _)| failure.contains(text)) {
            Some((_, why)) => println!("known conflict: {}\n  because {why}", failure.lines().take(2).collect::<Vec<_>>().join(": ")),
            None => unexplained.push(failure.as_str()),
        }
    }
    assert!(
        unexplained.is_empty(),
        "scim2-tester reported {} ERROR or CRITICAL results that are not known conflicts:\n\n{}",
        unexplained.len(),
        unexplained.join("\n\n")
    );
}

/// The results of a `scim2 test` run: a line `STATUS check_name` per result, its reason on the
/// indented lines after it.
struct Report {
    success: usize,
    skipped: usize,
    failures: Vec<String>,
}

impl Report {
    fn parse(output: &str) -> Report {
        let mut report = Report { success: 0, skipped: 0, failures: Vec::new() };
        let mut current: Option<String> = None;
        for line in output.lines() {
            let status = line.split_whitespace().next().unwrap_or_default();
            if ["SUCCESS", "SKIPPED", "ERROR", "CRITICAL", "WARNING"].contains(&status) && !line.starts_with(' ') {
                report.failures.extend(current.take());
                match status {
                    "SUCCESS" => report.success += 1,
                    "SKIPPED" => report.skipped += 1,
                    "ERROR" | "CRITICAL" => current = Some(line.to_string()),
                    _ => {}
                }
            } else if let Some(failure) = current.as_mut() {
                failure.push('\n');
                failure.push_str(line);
            }
        }
        report.failures.extend(current);
        report
    }
}

/// The venv's python with the pinned packages, made once per target directory (a marker file
/// records what was installed, so a change to `PACKAGES` reinstalls).
fn virtual_environment() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scim2-tester-venv");
    let python = venv.join("bin/python");
    let marker = venv.join("installed.txt");
    let wanted = PACKAGES.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == wanted) && python.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).output();
    match made {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "cannot create a Python virtual environment for scim2-tester (python3 -m venv {}): {}\n\
             Install Python 3 with its venv module (Debian: apt-get install python3-venv).",
            venv.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run python3 to create the scim2-tester virtual environment: {e}. Install Python 3 (Debian: apt-get install python3 python3-venv)."),
    }
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(PACKAGES)
        .output()
        .expect("the virtual environment's python runs");
    assert!(
        installed.status.success(),
        "cannot install {} from PyPI into {}:\n{}{}",
        PACKAGES.join(" "),
        venv.display(),
        String::from_utf8_lossy(&installed.stdout),
        String::from_utf8_lossy(&installed.stderr)
    );
    std::fs::write(&marker, wanted).unwrap();
    python
}

/// `scim-host up` on the demo tenant, on a free port, as the README's first command runs it.
struct ScimHost {
    child: Child,
    url: String,
}

impl ScimHost {
    fn start() -> ScimHost {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scim-host"))
            .args(["up", "--listen", "127.0.0.1:0", "--bearer-token", TOKEN, "--users", "20"])
            .args(["--upn-domain", "contoso.onmicrosoft.com"])
            .env_remove("SPIN_VARIABLE_TENANT_ID")
            .env_remove("SPIN_VARIABLE_SCIM_BEARER_TOKEN")
            .stdout(Stdio::piped())
            .spawn()
            .expect("scim-host starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let serving = lines.next().expect("scim-host prints where it serves").unwrap();
        let url = serving
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {serving:?}"))
            .to_string();
        // Keep reading what it prints, so a full pipe never blocks it.
        std::thread::spawn(move || lines.for_each(drop));
        ScimHost { child, url }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ScimHost {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `command` to completion (stdout and stderr together), killing it past `limit`.
fn run_with_limit(command: &mut Command, limit: Duration) -> String {
    let out_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scim2-tester-output.txt");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = command
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("the virtual environment's python runs");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "scim2-tester did not finish within {limit:?}; its output so far:\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::fs::read_to_string(&out_path).unwrap()
}
