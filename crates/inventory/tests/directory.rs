//! The users and groups jobs against the emulator: a full run yields every object in the
//! warehouse's attribute names (the seeds' maps) and a watermark; an incremental run from it
//! yields exactly what changed since, and costs requests in proportion to the changes.

mod support;

use inventory::{
    ChangeTracking, GroupDocuments, JobError, Next, Step, StepRequest, UserDocuments, groups_full_step, groups_incremental_step,
    users_full_step, users_incremental_step,
};
use mapping::{AttributeMap, Builtin};
use scim_graph::UserNames;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::Tenant;

/// Documents of a whole run by (kind, object id), the watermark, and the steps taken.
struct Run {
    documents: BTreeMap<(String, String), Value>,
    watermark: String,
    steps: usize,
}

async fn run<F: AsyncFnMut(StepRequest) -> Result<Step, JobError>>(watermark: Option<String>, mut step: F) -> Run {
    let mut request = StepRequest { cursor: None, watermark };
    let mut documents = BTreeMap::new();
    let mut steps = 0;
    loop {
        let outcome = step(request.clone()).await.expect("the step succeeds");
        steps += 1;
        for document in outcome.documents {
            let key = (document.kind.to_string(), document.object_id.clone());
            assert!(documents.insert(key.clone(), document.value()).is_none(), "{key:?} delivered twice");
        }
        match outcome.next {
            Next::More(cursor) => request.cursor = Some(cursor),
            Next::Done(watermark) => return Run { documents, watermark, steps },
        }
    }
}

impl Run {
    /// The run delivered exactly these (kind, object id) documents.
    fn assert_documents_are(&self, expected: &[(&str, &str)]) {
        let keys: Vec<(&str, &str)> = self.documents.keys().map(|(kind, id)| (kind.as_str(), id.as_str())).collect();
        let mut expected = expected.to_vec();
        expected.sort();
        assert_eq!(keys, expected);
    }
}

/// The change both incremental user tests start from: the tenant's 11th user gets a new job
/// title and its 12th is deleted. Their ids.
async fn retitle_one_delete_another(tenant: &Tenant) -> (String, String) {
    let graph = tenant.graph();
    let all = tenant.emulator.users();
    let (retitled, deleted) = (all[10]["id"].as_str().unwrap().to_string(), all[11]["id"].as_str().unwrap().to_string());
    graph.update_user(&retitled, &json!({ "jobTitle": "Principal Engineer" })).await.unwrap();
    graph.delete_user(&deleted).await.unwrap();
    (retitled, deleted)
}

fn names() -> UserNames {
    UserNames::with_default_domain("")
}

#[tokio::test]
async fn a_full_users_run_maps_every_user_with_the_seed_table_and_ends_with_a_delta_watermark() {
    let tenant = Tenant::start(2_100, 5).await;
    let graph = tenant.graph();
    let (names, map) = (names(), AttributeMap::builtin(Builtin::EntraUserToPerson));
    let users = UserDocuments { names: &names, map: &map };
    let full = run(None, async |request| users_full_step(&graph, &users, ChangeTracking::Delta, request.cursor.as_deref()).await).await;

    assert_eq!(full.documents.len(), 2_100);
    assert_eq!(full.steps, 3, "999 users a step");
    assert!(full.documents.keys().all(|(kind, _)| kind == "user"));
    assert!(full.watermark.contains("/users/delta"), "the watermark is a users delta link: {}", full.watermark);

    let adele = tenant.emulator.users().into_iter().find(|u| u["displayName"] == "Adele Vance").unwrap();
    let record = &full.documents[&("user".to_string(), adele["id"].as_str().unwrap().to_string())];
    // EntraID table: name.givenName -> FirstName, name.familyName -> LastName, title -> Title,
    // enterprise department -> Department, enterprise employeeNumber -> EmployeeID,
    // userName -> Login, active -> Active, companyName -> Company.
    assert_eq!(record["FirstName"], "Adele");
    assert_eq!(record["LastName"], "Vance");
    assert_eq!(record["Title"], "Chief Executive Officer");
    assert_eq!(record["Department"], "Executive Management");
    assert_eq!(record["EmployeeID"], "100000");
    assert_eq!(record["Login"], "adele.vance@contoso.onmicrosoft.com");
    assert_eq!(record["Active"], true);
    assert_eq!(record["Company"], "Contoso Ltd");
}

#[tokio::test]
async fn an_incremental_users_run_yields_exactly_the_users_changed_since_the_watermark() {
    let tenant = Tenant::start(1_500, 5).await;
    let graph = tenant.graph();
    let (names, map) = (names(), AttributeMap::builtin(Builtin::EntraUserToPerson));
    let users = UserDocuments { names: &names, map: &map };
    let full = run(None, async |request| users_full_step(&graph, &users, ChangeTracking::Delta, request.cursor.as_deref()).await).await;

    let (renamed, deleted) = &retitle_one_delete_another(&tenant).await;
    let (renamed, deleted) = (renamed.as_str(), deleted.as_str());
    let created = graph
        .create_user(&json!({
            "accountEnabled": true, "displayName": "Nestor Wilke", "mailNickname": "nestor.wilke",
            "userPrincipalName": "nestor.wilke@contoso.onmicrosoft.com",
            "passwordProfile": { "password": "Str0ng!Passw0rd#2026", "forceChangePasswordNextSignIn": true }
        }))
        .await
        .unwrap()
        .id
        .unwrap();

    let before = tenant.requests();
    let incremental =
        run(Some(full.watermark.clone()), async |request| users_incremental_step(&graph, &users, &request).await).await;
    let requests = tenant.requests() - before;

    incremental.assert_documents_are(&[("user", &created), ("user", renamed), ("user-deleted", deleted)]);
    assert_eq!(incremental.documents[&("user".into(), renamed.into())]["Title"], "Principal Engineer");
    assert_eq!(incremental.documents[&("user".into(), created.clone())]["FriendlyName"], "Nestor Wilke");
    assert_eq!(incremental.documents[&("user-deleted".into(), deleted.into())], json!({ "id": deleted, "restorable": true }));
    assert!(requests <= 3, "one delta page and one read of the changed users, not the tenant: {requests} requests");

    // Nothing changed since: the next run is empty and ends with a new watermark.
    let quiet = run(Some(incremental.watermark.clone()), async |request| users_incremental_step(&graph, &users, &request).await).await;
    assert!(quiet.documents.is_empty(), "{:?}", quiet.documents.keys());
}

#[tokio::test]
async fn groups_runs_map_groups_and_report_member_and_owner_changes() {
    let tenant = Tenant::start(200, 40).await;
    let graph = tenant.graph();
    let map = AttributeMap::builtin(Builtin::B2cGroup);
    let groups = GroupDocuments { map: &map };
    let full = run(None, async |request| groups_full_step(&graph, &groups, ChangeTracking::Delta, request.cursor.as_deref()).await).await;
    assert_eq!(full.documents.len(), 40);
    let users = tenant.emulator.users();
    // A group with some members but not everyone (the first demo groups take the whole company).
    let group = tenant
        .emulator
        .groups()
        .into_iter()
        .find(|g| (1..users.len()).contains(&tenant.emulator.members_of(g["id"].as_str().unwrap()).len()))
        .unwrap();
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!(full.documents[&("group".into(), id.clone())]["DisplayName"], group["displayName"]);

    let newcomer = users.iter().map(|u| u["id"].as_str().unwrap()).find(|u| !tenant.emulator.members_of(&id).contains(&u.to_string())).unwrap();
    let leaver = tenant.emulator.members_of(&id)[0].clone();
    graph.add_member(&id, newcomer).await.unwrap();
    graph.remove_member(&id, &leaver).await.unwrap();

    let incremental =
        run(Some(full.watermark.clone()), async |request| groups_incremental_step(&graph, &groups, &request).await).await;
    let change = &incremental.documents[&("membership-change".into(), id.clone())];
    assert_eq!(change["groupId"], id.as_str());
    assert_eq!(change["added"], json!([{ "id": newcomer, "type": "user" }]));
    assert_eq!(change["removed"], json!([{ "id": leaver, "type": "user" }]));
    assert!(incremental.documents.contains_key(&("group".into(), id.clone())), "the changed group is read again");
    assert_eq!(incremental.documents.len(), 2, "{:?}", incremental.documents.keys());
}

#[tokio::test]
async fn an_expired_watermark_asks_for_a_full_run_and_a_missing_one_is_refused() {
    let tenant = Tenant::start(50, 3).await;
    let graph = tenant.graph();
    let (names, map) = (names(), AttributeMap::builtin(Builtin::EntraUserToPerson));
    let users = UserDocuments { names: &names, map: &map };
    let full = run(None, async |request| users_full_step(&graph, &users, ChangeTracking::Delta, request.cursor.as_deref()).await).await;

    // Graph keeps change history for a while; once it drops what a token needs, the token is dead.
    let someone = tenant.emulator.users()[3]["id"].as_str().unwrap().to_string();
    graph.update_user(&someone, &json!({ "jobTitle": "Changed" })).await.unwrap();
    tenant.emulator.reset_change_tracking();
    let request = StepRequest { cursor: None, watermark: Some(full.watermark) };
    let error = users_incremental_step(&graph, &users, &request).await.unwrap_err();
    assert!(matches!(error, JobError::ResyncRequired(_)), "{error:?}");

    let error = users_incremental_step(&graph, &users, &StepRequest::default()).await.unwrap_err();
    assert!(matches!(error, JobError::InvalidCursor(ref d) if d.contains("full run")), "{error:?}");

    let elsewhere = StepRequest { cursor: None, watermark: Some("https://evil.example/v1.0/users/delta?$deltatoken=x".into()) };
    let error = users_incremental_step(&graph, &users, &elsewhere).await.unwrap_err();
    assert!(matches!(error, JobError::InvalidCursor(_)), "a link to another host is never followed: {error:?}");
}

/// Azure AD B2C tenants have no delta queries: a full run there reads every object and ends
/// with the instant it started; an incremental run reads the directory audit log from then on
/// and yields exactly what changed, users and groups, links included.
#[tokio::test]
async fn in_a_b2c_tenant_incremental_runs_follow_the_audit_log() {
    let tenant = Tenant::start_with(graph_emulator::EmulatorConfig {
        users: 1_200,
        groups: 6,
        b2c: Some(graph_emulator::B2c::default()),
        ..Default::default()
    })
    .await;
    let graph = tenant.graph();
    let (names, map) = (UserNames::b2c(graph_emulator::DOMAIN), AttributeMap::builtin(Builtin::B2cUserToAccount));
    let users = UserDocuments { names: &names, map: &map };
    let full = run(None, async |request| users_full_step(&graph, &users, ChangeTracking::AuditLog, request.cursor.as_deref()).await).await;
    assert_eq!(full.documents.len(), 1_200);
    assert!(full.watermark.starts_with("b2c:20"), "{}", full.watermark);
    let adele = tenant.emulator.users().into_iter().find(|u| u["displayName"] == "Adele Vance").unwrap();
    let record = &full.documents[&("user".to_string(), adele["id"].as_str().unwrap().to_string())];
    assert_eq!(record["UserName"], "adele.vance", "the B2C table's UserName is the userName identity: {record}");
    let group_map = AttributeMap::builtin(Builtin::B2cGroup);
    let groups = GroupDocuments { map: &group_map };
    let groups_full = run(None, async |request| groups_full_step(&graph, &groups, ChangeTracking::AuditLog, request.cursor.as_deref()).await).await;
    assert_eq!(groups_full.documents.len(), tenant.emulator.group_count());

    let (renamed, deleted) = &retitle_one_delete_another(&tenant).await;
    let (renamed, deleted) = (renamed.as_str(), deleted.as_str());
    let created = graph
        .create_user(&json!({
            "displayName": "Nestor Wilke",
            "identities": [{ "signInType": "userName", "issuer": graph_emulator::DOMAIN, "issuerAssignedId": "nestor" }],
            "passwordProfile": { "password": "Str0ng!Passw0rd#2026", "forceChangePasswordNextSignIn": false }
        }))
        .await
        .unwrap()
        .id
        .unwrap();
    let group = tenant.emulator.groups()[5]["id"].as_str().unwrap().to_string();
    graph.add_member(&group, &created).await.unwrap();

    let incremental = run(Some(full.watermark.clone()), async |request| users_incremental_step(&graph, &users, &request).await).await;
    incremental.assert_documents_are(&[("user", &created), ("user", renamed), ("user-deleted", deleted)]);
    assert_eq!(incremental.documents[&("user".into(), renamed.into())]["JobTitle"], "Principal Engineer");
    assert_eq!(incremental.documents[&("user".into(), created.clone())]["UserName"], "nestor");
    assert_eq!(incremental.documents[&("user-deleted".into(), deleted.into())], json!({ "id": deleted, "restorable": true }));
    assert!(incremental.watermark.starts_with("b2c:") && incremental.watermark > full.watermark, "{}", incremental.watermark);

    let groups_run = run(Some(groups_full.watermark.clone()), async |request| groups_incremental_step(&graph, &groups, &request).await).await;
    let change = &groups_run.documents[&("membership-change".into(), group.clone())];
    assert_eq!(change["added"], json!([{ "id": created, "type": "user" }]));
    assert_eq!(change["removed"], json!([]));
    assert!(groups_run.documents.contains_key(&("group".into(), group.clone())), "the changed group is read again");
    assert_eq!(groups_run.documents.len(), 2, "{:?}", groups_run.documents.keys());
}
