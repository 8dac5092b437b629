//! The README's first command, as a newcomer runs it: `scim-host up` serves the demo tenant and
//! prints a token that works; pointed at a real tenant without a bearer token, it refuses.

mod common;

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStdout, Command, Stdio};

/// `scim-host up` on the demo tenant on a free port, with `args`: the first line it printed and
/// the connector's URL in it. Dropping it stops the host.
struct Up {
    child: Child,
    /// The rest of what it prints; `None` once the test closed the pipe.
    lines: Option<Lines<BufReader<ChildStdout>>>,
    serving: String,
    url: String,
}

fn up(args: &[&str]) -> Up {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-host"))
        .args(["up", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("SPIN_VARIABLE_TENANT_ID")
        .env_remove("SPIN_VARIABLE_SCIM_BEARER_TOKEN")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let serving = lines.next().unwrap().unwrap();
    let url = serving.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).expect("the URL is printed").to_string();
    Up { child, lines: Some(lines), serving, url }
}

impl Drop for Up {
    fn drop(&mut self) {
        // It may have ended already (a test that stopped it).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn up_serves_the_demo_tenant_with_the_printed_token() {
    let mut up = up(&["--users", "7"]);
    let url = &up.url;
    assert!(up.serving.contains("demo tenant (7 users"), "{}", up.serving);
    let token_line = up.lines.as_mut().unwrap().next().unwrap().unwrap();
    let token = token_line.strip_prefix("Bearer token: ").expect("the token is printed").to_string();
    assert!(token.len() >= 32, "a strong generated token: {token}");

    let client = common::Client::new();
    let auth = format!("Bearer {token}");
    let list = client.send("GET", &format!("{url}/scim/v2/Users"), &[("authorization", &auth)], None).await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert_eq!(list.json()["totalResults"], serde_json::json!(7));
    let refused = client.send("GET", &format!("{url}/scim/v2/Users"), &[("authorization", "Bearer guess")], None).await;
    assert_eq!(refused.status, 401);
}

#[test]
fn up_refuses_a_real_tenant_without_a_bearer_token() {
    let output = Command::new(env!("CARGO_BIN_EXE_scim-host"))
        .args(["up", "--listen", "127.0.0.1:0", "--tenant-id", "contoso.onmicrosoft.com", "--client-id", "x", "--client-secret", "y"])
        .env_remove("SPIN_VARIABLE_SCIM_BEARER_TOKEN")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bearer token") && stderr.contains("SPIN_VARIABLE_SCIM_BEARER_TOKEN"), "{stderr}");
}

#[test]
fn up_names_missing_tenant_settings() {
    let output = Command::new(env!("CARGO_BIN_EXE_scim-host"))
        .args(["up", "--listen", "127.0.0.1:0", "--tenant-id", "contoso.onmicrosoft.com", "--bearer-token", "t"])
        .env_remove("SPIN_VARIABLE_CLIENT_ID")
        .env_remove("SPIN_VARIABLE_CLIENT_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("client_id") && stderr.contains("client_secret"), "{stderr}");
}

#[test]
fn up_names_what_the_chosen_credential_type_lacks() {
    let run = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_scim-host"))
            .args(["up", "--listen", "127.0.0.1:0", "--tenant-id", "contoso.onmicrosoft.com", "--client-id", "x", "--bearer-token", "t"])
            .args(extra)
            .env_remove("SPIN_VARIABLE_CLIENT_SECRET")
            .env_remove("SPIN_VARIABLE_CLIENT_CERTIFICATE")
            .env_remove("SPIN_VARIABLE_CLIENT_PRIVATE_KEY")
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let stderr = run(&["--variable", "credential_type=certificate"]);
    assert!(stderr.contains("client_certificate") && stderr.contains("client_private_key") && !stderr.contains("client_id ("), "{stderr}");
    let stderr = run(&["--variable", "credential_type=password"]);
    assert!(stderr.contains("credential_type `password`"), "{stderr}");
    let stderr = run(&["--variable", "credential_type"]);
    assert!(stderr.contains("is not NAME=VALUE"), "{stderr}");
    let stderr = run(&["--variable", "client_private_key=@/nonexistent/key.pem"]);
    assert!(stderr.contains("cannot read /nonexistent/key.pem"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_flags_reach_the_demo_tenants_emulator() {
    let up = up(&["--users", "3", "--throttle-percent", "25", "--retry-after", "2", "--latency-ms", "5", "--resource-units"]);
    let emulator = up.serving.split("Graph emulator at ").nth(1).expect("the emulator's URL is printed").trim_end_matches(").");
    let faults = common::Client::new().send("GET", &format!("{emulator}/_emulator/faults"), &[], None).await.json();
    assert_eq!((&faults["throttle_percent"], &faults["retry_after_seconds"], &faults["latency_ms"]), (&serde_json::json!(25), &serde_json::json!(2), &serde_json::json!(5)), "{faults}");
    assert_eq!(faults["resource_unit_quota"], 3_500, "Graph's quota for a tenant under 50 users: {faults}");

    let output = Command::new(env!("CARGO_BIN_EXE_scim-host"))
        .args(["emulator", "--listen", "127.0.0.1:0", "--throttle-percent", "80", "--drop-percent", "30"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 100"));
}

#[tokio::test(flavor = "multi_thread")]
async fn up_b2c_serves_a_b2c_demo_tenant_by_sign_in_names() {
    let up = up(&["--users", "5", "--b2c", "--bearer-token", "b2c-token"]);
    let found = common::Client::new()
        .send("GET", &format!("{}/scim/v2/Users?filter=userName%20eq%20%22adele.vance%22", up.url), &[("authorization", "Bearer b2c-token")], None)
        .await;
    assert_eq!(found.status, 200, "{}", found.text());
    assert_eq!(found.json()["Resources"][0]["userName"], "adele.vance", "{}", found.text());
}

/// An operator's pipe that stops reading (`scim-host up | head -1`) does not end the server, and
/// it still stops cleanly on Ctrl-C (saying so to the closed pipe).
#[tokio::test(flavor = "multi_thread")]
async fn up_keeps_serving_when_its_stdout_is_closed() {
    let mut up = up(&["--users", "3", "--bearer-token", "closed-pipe-token"]);
    // The reader is gone: what scim-host prints from now on meets a closed pipe.
    up.lines = None;
    let reply = common::Client::new()
        .send("GET", &format!("{}/scim/v2/Users?count=1", up.url), &[("authorization", "Bearer closed-pipe-token")], None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let interrupted = Command::new("kill").args(["-INT", &up.child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let status = up.child.wait().unwrap();
    assert!(status.success(), "scim-host stops cleanly on Ctrl-C with its stdout closed: {status}");
}
