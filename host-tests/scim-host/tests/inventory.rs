//! Inventory jobs end to end: the real job components in scim-host, driven into a real inbox
//! (SQLite, and PostgreSQL in a scratch server), against the emulator. Full runs yield exactly
//! the tenant; incremental runs exactly what changed; a driver killed mid-run and restarted
//! leaves the same inbox as one that never stopped; over HTTP a job streams NDJSON a caller can
//! resume.

mod common;

use common::Connector;
use graph_emulator::{Emulator, EmulatorConfig};
use inbox::scratch::ScratchPostgres;
use inbox::{AnyInbox, Inbox, Mode, StoredDocument};
use scim_host::Limits;
use scim_host::inventory_driver::{RunOptions, run_job};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

async fn connector(users: usize, groups: usize) -> Connector {
    Connector::start_with(EmulatorConfig { users, groups, ..Default::default() }, Limits::default()).await
}

fn sqlite(directory: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite:{}", directory.path().join(name).display())
}

/// A database of its own in the one scratch PostgreSQL server of this test binary.
async fn postgres(database: &str) -> String {
    static SERVER: OnceLock<ScratchPostgres> = OnceLock::new();
    let server = SERVER.get_or_init(|| ScratchPostgres::start().expect("a scratch PostgreSQL server"));
    server.fresh_database(database).await.unwrap()
}

/// A job's documents as (kind, object id) -> document, checking none is there twice.
fn by_object(documents: &[StoredDocument]) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for stored in documents {
        let key = (stored.document.kind.clone(), stored.document.object_id.clone());
        let json: Value = serde_json::from_str(&stored.document.json).unwrap();
        assert!(out.insert(key.clone(), json).is_none(), "{key:?} is in the inbox twice");
    }
    out
}

fn ids(links: &Value) -> BTreeSet<String> {
    links.as_array().unwrap().iter().map(|link| link["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn full_runs_yield_the_tenant_and_an_incremental_run_exactly_what_changed() {
    let connector = connector(400, 60).await;
    let directory = tempfile::tempdir().unwrap();
    let mut inbox = AnyInbox::open(&sqlite(&directory, "inbox.db")).await.unwrap();
    let options = RunOptions::default();

    for family in ["users", "groups", "group-membership", "group-ownership"] {
        let report = run_job(&connector.app, family, Mode::Full, &mut inbox, &options).await.unwrap();
        assert!(!report.resumed && report.graph_requests > 0 && !report.watermark.is_empty(), "{report:?}");
    }
    let emulator = &connector.emulator;
    let users = by_object(&inbox.documents("users").await.unwrap());
    let logins: BTreeSet<&str> = users.values().map(|u| u["Login"].as_str().unwrap()).collect();
    let upns: BTreeSet<String> = emulator.users().iter().map(|u| u["userPrincipalName"].as_str().unwrap().to_string()).collect();
    assert_eq!(logins, upns.iter().map(String::as_str).collect(), "one document per user, in the Person map's names");

    let groups = by_object(&inbox.documents("groups").await.unwrap());
    assert_eq!(groups.len(), 60);
    let memberships = by_object(&inbox.documents("group-membership").await.unwrap());
    let ownerships = by_object(&inbox.documents("group-ownership").await.unwrap());
    for group in emulator.groups() {
        let id = group["id"].as_str().unwrap().to_string();
        assert_eq!(groups[&("group".into(), id.clone())]["DisplayName"], group["displayName"]);
        let membership = &memberships[&("membership".into(), id.clone())];
        assert_eq!(membership["groupId"], id.as_str());
        assert_eq!(ids(&membership["members"]), emulator.members_of(&id).into_iter().collect());
        assert_eq!(ids(&ownerships[&("ownership".into(), id.clone())]["owners"]), emulator.owners_of(&id).into_iter().collect());
    }

    // Changes through the connector's own SCIM API.
    let created = connector
        .post_json(
            "/scim/v2/Users",
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "nestor.wilke@contoso.onmicrosoft.com",
                "displayName": "Nestor Wilke",
                "name": { "givenName": "Nestor", "familyName": "Wilke" }
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json()["id"].as_str().unwrap().to_string();
    let everyone = emulator.users();
    let (retitled, deleted) = (everyone[20]["id"].as_str().unwrap(), everyone[21]["id"].as_str().unwrap());
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "path": "title", "value": "Head of Research" }]
    });
    assert_eq!(connector.send_json("PATCH", &format!("/scim/v2/Users/{retitled}"), &patch).await.status, 200);
    let groups_of_deleted: BTreeSet<String> = emulator
        .groups()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .filter(|g| emulator.members_of(g).iter().any(|m| m == deleted) || emulator.owners_of(g).iter().any(|o| o == deleted))
        .collect();
    assert_eq!(connector.delete(&format!("/scim/v2/Users/{deleted}")).await.status, 204);
    let group = emulator.groups()[30]["id"].as_str().unwrap().to_string();
    let add = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "add", "path": "members", "value": [{ "value": created }] }]
    });
    let patched = connector.send_json("PATCH", &format!("/scim/v2/Groups/{group}"), &add).await;
    assert!(patched.status == 200 || patched.status == 204, "{}", patched.text());

    let users_run = run_job(&connector.app, "users", Mode::Incremental, &mut inbox, &options).await.unwrap();
    let groups_run = run_job(&connector.app, "groups", Mode::Incremental, &mut inbox, &options).await.unwrap();
    let of_run = |documents: Vec<StoredDocument>, run_id: &str| {
        by_object(&documents.into_iter().filter(|d| d.run_id == run_id).collect::<Vec<_>>())
    };
    let changed_users = of_run(inbox.documents("users").await.unwrap(), &users_run.run_id);
    let keys: BTreeSet<(&str, &str)> = changed_users.keys().map(|(k, id)| (k.as_str(), id.as_str())).collect();
    // The new user's membership touches the user too (memberOf), so it may come once more as
    // changed: still one document per object.
    let expected: BTreeSet<(&str, &str)> =
        [("user", created.as_str()), ("user", retitled), ("user-deleted", deleted)].into_iter().collect();
    assert_eq!(keys, expected);
    assert_eq!(changed_users[&("user".into(), retitled.into())]["Title"], "Head of Research");
    assert_eq!(changed_users[&("user-deleted".into(), deleted.into())], json!({ "id": deleted, "restorable": true }));

    let changed_groups = of_run(inbox.documents("groups").await.unwrap(), &groups_run.run_id);
    let change = &changed_groups[&("membership-change".into(), group.clone())];
    assert_eq!(change["added"], json!([{ "id": created, "type": "user" }]));
    assert!(changed_groups.contains_key(&("group".into(), group.clone())));
    // The deleted user left the groups it was in: those groups' changes are reported too, and
    // no other group's.
    for (kind, id) in changed_groups.keys() {
        assert!(id == &group || groups_of_deleted.contains(id), "unexpected {kind} for {id}");
    }
    assert!(users_run.graph_requests <= 4 && groups_run.graph_requests <= 6, "{users_run:?} {groups_run:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_run_needs_a_completed_full_run_and_jobs_are_named() {
    let connector = connector(10, 3).await;
    let directory = tempfile::tempdir().unwrap();
    let mut inbox = AnyInbox::open(&sqlite(&directory, "inbox.db")).await.unwrap();
    let options = RunOptions::default();
    let error = run_job(&connector.app, "users", Mode::Incremental, &mut inbox, &options).await.unwrap_err();
    assert!(format!("{error:#}").contains("scim-host inventory users --mode full"), "{error:#}");
    let error = run_job(&connector.app, "group-membership", Mode::Incremental, &mut inbox, &options).await.unwrap_err();
    assert!(format!("{error:#}").contains("has no incremental mode"), "{error:#}");
    let error = run_job(&connector.app, "devices", Mode::Full, &mut inbox, &options).await.unwrap_err();
    assert!(format!("{error:#}").contains("group-membership, group-ownership, groups, users"), "{error:#}");
    assert_eq!(inbox.open_run("users").await.unwrap(), None, "a refused run leaves nothing behind");
}

/// An Azure AD B2C tenant has no delta queries: every job's full run works there (with the B2C
/// account map), and incremental runs follow the directory audit log instead.
#[tokio::test(flavor = "multi_thread")]
async fn in_a_b2c_tenant_incremental_runs_follow_the_audit_log() {
    let config = EmulatorConfig { users: 50, groups: 6, b2c: Some(graph_emulator::B2c::default()), ..Default::default() };
    let variables = [("tenant_type", "b2c"), ("upn_domain", graph_emulator::DOMAIN), ("user_attribute_map", "b2c-user-to-account")];
    let connector = Connector::start_configured(config, Limits::default(), &variables).await;
    let directory = tempfile::tempdir().unwrap();
    let mut inbox = AnyInbox::open(&sqlite(&directory, "inbox.db")).await.unwrap();
    let options = RunOptions::default();
    for family in ["users", "groups", "group-membership", "group-ownership"] {
        let report = run_job(&connector.app, family, Mode::Full, &mut inbox, &options).await.unwrap();
        assert!(report.documents > 0, "{family}: {report:?}");
    }
    let users = by_object(&inbox.documents("users").await.unwrap());
    assert_eq!(users.len(), 50);
    assert!(users.values().any(|u| u["UserName"] == "adele.vance"), "B2C accounts by sign-in name");

    // Changes through the connector itself, as a provisioning engine would make them.
    let created = connector.post_json("/scim/v2/Users", &json!({ "userName": "late.joiner", "password": "Correct-Horse-7!" })).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json()["id"].as_str().unwrap().to_string();
    let report = run_job(&connector.app, "users", Mode::Incremental, &mut inbox, &options).await.unwrap();
    assert!(report.watermark.starts_with("b2c:"), "{report:?}");
    let changed = by_object(&inbox.documents("users").await.unwrap().into_iter().filter(|d| d.run_id == report.run_id).collect::<Vec<_>>());
    assert_eq!(changed.keys().cloned().collect::<Vec<_>>(), [("user".to_string(), created.clone())]);
    assert_eq!(changed[&("user".to_string(), created)]["UserName"], "late.joiner");
}

/// `scim-host inventory` against the test's emulator, as an operator runs it.
fn driver(emulator: &Emulator, job: &str, inbox: &str) -> Command {
    let config = emulator.config();
    let mut command = Command::new(env!("CARGO_BIN_EXE_scim-host"));
    command
        .args(["inventory", job, "--inbox", inbox, "--tenant-id", &config.tenant_id, "--client-id", &config.client_id])
        .args(["--client-secret", &config.client_secret, "--graph-base-url", &emulator.base_url()])
        .args(["--login-base-url", &emulator.base_url()]);
    command
}

/// `inventory all` runs every job at once; killed while the membership job is mid-run, then run
/// again, it leaves the inbox an uninterrupted `inventory all` leaves.
async fn killed_driver_resumes_to_the_inbox_of_an_uninterrupted_run(interrupted: String, uninterrupted: String) {
    let emulator = Emulator::start(EmulatorConfig { users: 2_000, groups: 1_500, ..Default::default() }, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    let mut child = driver(&emulator, "all", &interrupted).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let mut watcher = AnyInbox::open(&interrupted).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let steps = watcher.open_run("group-membership").await.unwrap().map_or(0, |run| run.steps);
        if steps >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the driver made no progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL: no chance to tidy up
    child.wait().unwrap();
    let open = watcher.open_run("group-membership").await.unwrap().expect("the run was killed unfinished");
    assert!(open.steps >= 2 && open.documents > 0, "{open:?}");

    let resumed = driver(&emulator, "all", &interrupted).output().unwrap();
    let said = String::from_utf8_lossy(&resumed.stdout);
    assert!(resumed.status.success(), "{said}{}", String::from_utf8_lossy(&resumed.stderr));
    assert!(said.contains("(resumed)") && said.contains(&open.run_id), "{said}");

    let whole = driver(&emulator, "all", &uninterrupted).output().unwrap();
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));

    let mut reference = AnyInbox::open(&uninterrupted).await.unwrap();
    let after_kill = watcher.documents("group-membership").await.unwrap();
    let never_stopped = reference.documents("group-membership").await.unwrap();
    assert_eq!(after_kill.len(), 1_500, "one document per group, none lost or repeated");
    assert_eq!(by_object(&after_kill), by_object(&never_stopped));
    let run_ids: BTreeSet<&str> = after_kill.iter().map(|d| d.run_id.as_str()).collect();
    assert_eq!(run_ids.len(), 1, "the restart finished the same run");
    // The other jobs ran alongside; a job that had completed before the kill ran again (a new
    // full run), so each is compared by its last completed run.
    for job in ["users", "groups", "group-ownership"] {
        let last_run = |documents: Vec<StoredDocument>, run_id: String| -> Vec<StoredDocument> {
            documents.into_iter().filter(|d| d.run_id == run_id).collect()
        };
        let killed_run = watcher.last_completed(job).await.unwrap().expect("completed").run_id;
        let whole_run = reference.last_completed(job).await.unwrap().expect("completed").run_id;
        let killed = last_run(watcher.documents(job).await.unwrap(), killed_run);
        let whole = last_run(reference.documents(job).await.unwrap(), whole_run);
        assert!(!killed.is_empty(), "{job}");
        assert_eq!(by_object(&killed), by_object(&whole), "{job}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_driver_resumes_to_the_same_sqlite_inbox() {
    let directory = tempfile::tempdir().unwrap();
    killed_driver_resumes_to_the_inbox_of_an_uninterrupted_run(sqlite(&directory, "killed.db"), sqlite(&directory, "whole.db")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_driver_resumes_to_the_same_postgres_inbox() {
    killed_driver_resumes_to_the_inbox_of_an_uninterrupted_run(postgres("killed").await, postgres("whole").await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_a_job_streams_ndjson_with_checkpoints_a_caller_resumes_from() {
    let connector = connector(50, 250).await;
    let mut query = "steps=1".to_string();
    let mut owners = BTreeMap::new();
    let mut requests = 0;
    let watermark = loop {
        let reply = connector.get(&format!("/inventory/group-ownership-full-inventory?{query}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.header("content-type"), Some("application/x-ndjson"));
        requests += 1;
        let lines: Vec<Value> = reply.text().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        let (last, documents) = lines.split_last().unwrap();
        for line in documents {
            assert_eq!(line["type"], "document");
            assert_eq!(line["kind"], "ownership");
            owners.insert(line["objectId"].as_str().unwrap().to_string(), line["document"].clone());
        }
        match last["type"].as_str() {
            Some("checkpoint") => query = format!("steps=1&cursor={}", common::encode(last["cursor"].as_str().unwrap())),
            Some("done") => break last["watermark"].as_str().unwrap().to_string(),
            other => panic!("unexpected last line {other:?}: {last}"),
        }
    };
    assert_eq!(requests, 3, "250 groups in pages of 100, one step per request");
    assert_eq!(owners.len(), 250);
    assert!(watermark.ends_with('Z'), "{watermark}");
    let group = connector.emulator.groups()[7]["id"].as_str().unwrap().to_string();
    assert_eq!(ids(&owners[&group]["owners"]), connector.emulator.owners_of(&group).into_iter().collect());

    // All at once: ten steps a request by default.
    let whole = connector.get("/inventory/group-ownership-full-inventory").await;
    let last: Value = serde_json::from_str(whole.text().lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "done");
    assert_eq!(whole.text().lines().filter(|l| l.contains(r#""type":"document""#)).count(), 250);

    let refused = connector.get("/inventory/group-ownership-full-inventory?cursor=not-a-cursor").await;
    refused.assert_scim_error(400, Some("invalidCursor"));
    connector.get("/inventory/group-ownership-full-inventory?steps=0").await.assert_scim_error(400, Some("invalidValue"));
    connector.get("/inventory/group-ownership-full-inventory?since=yesterday").await.assert_scim_error(400, Some("invalidValue"));
    let anonymous = connector.send("GET", "/inventory/group-ownership-full-inventory", &[], None).await;
    assert_eq!(anonymous.status, 401);
}
