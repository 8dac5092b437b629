//! GroupMembershipFullInventory and GroupOwnershipFullInventory against the emulator: the
//! documents of a whole run equal the tenant's groups with their members (owners), in the
//! seed's shape, and no step reads more than its budget.

mod support;

use inventory::{GroupLinks, Next, group_links_step};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::Tenant;

/// Runs a job to completion; returns each group's document (the parts of a large group merged:
/// they must come one after another), the number of steps and the watermark.
async fn run(tenant: &Tenant, links: GroupLinks) -> (BTreeMap<String, Value>, usize, String) {
    let graph = tenant.graph();
    let field = match links {
        GroupLinks::Members => "members",
        GroupLinks::Owners => "owners",
    };
    let (mut documents, mut cursor, mut steps) = (BTreeMap::<String, Value>::new(), None::<String>, 0);
    let mut last_group = None::<String>;
    loop {
        let step = group_links_step(&graph, links, cursor.as_deref()).await.expect("the step succeeds");
        steps += 1;
        for document in step.documents {
            let id = document.object_id.clone();
            match documents.get_mut(&id) {
                Some(merged) if last_group.as_ref() == Some(&id) => {
                    let part = document.value()[field].as_array().unwrap().clone();
                    merged[field].as_array_mut().unwrap().extend(part);
                }
                Some(_) => panic!("group {id} delivered twice, apart"),
                None => {
                    documents.insert(id.clone(), document.value());
                }
            }
            last_group = Some(id);
        }
        match step.next {
            Next::More(next) => cursor = Some(next),
            Next::Done(watermark) => return (documents, steps, watermark),
        }
    }
}

fn expected(tenant: &Tenant, ids_of: impl Fn(&str) -> Vec<String>, field: &str) -> BTreeMap<String, Value> {
    let users: std::collections::HashSet<String> =
        tenant.emulator.users().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
    tenant
        .emulator
        .groups()
        .iter()
        .map(|group| {
            let id = group["id"].as_str().unwrap().to_string();
            let mut linked: Vec<Value> = ids_of(&id)
                .into_iter()
                .map(|member| json!({ "id": member, "type": if users.contains(&member) { "user" } else { "group" } }))
                .collect();
            linked.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            (id.clone(), json!({ "groupId": id, field: linked }))
        })
        .collect()
}

fn sorted(mut documents: BTreeMap<String, Value>, field: &str) -> BTreeMap<String, Value> {
    for document in documents.values_mut() {
        document[field].as_array_mut().unwrap().sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    }
    documents
}

#[tokio::test]
async fn membership_documents_cover_every_group_with_its_members_in_the_seed_shape() {
    let tenant = Tenant::start(300, 250).await;
    let before = tenant.emulator.request_count();
    let (documents, steps, watermark) = run(&tenant, GroupLinks::Members).await;
    assert_eq!(documents.len(), 250);
    assert!(steps >= 3, "250 groups take at least three pages of 100: {steps} steps");
    // No group of 300 users has a second page of members. Each step reads a page of groups and
    // its groups' member pages 20 groups to a request (one batch more when it stopped inside
    // one): not one request per group.
    let requests = tenant.emulator.request_count() - before;
    assert!(requests as usize <= 2 * steps + 250usize.div_ceil(20), "{requests} requests in {steps} steps");
    assert!(watermark.ends_with('Z'), "a full run ends with its start instant: {watermark}");
    let expected = expected(&tenant, |id| tenant.emulator.members_of(id), "members");
    assert_eq!(sorted(documents, "members"), expected);
}

#[tokio::test]
async fn ownership_documents_cover_every_group_with_its_owners() {
    let tenant = Tenant::start(120, 30).await;
    let (documents, _, _) = run(&tenant, GroupLinks::Owners).await;
    let expected = expected(&tenant, |id| tenant.emulator.owners_of(id), "owners");
    assert!(expected.values().any(|d| !d["owners"].as_array().unwrap().is_empty()), "the demo tenant has owners");
    assert_eq!(sorted(documents, "owners"), expected);
}

#[tokio::test]
async fn a_cursor_of_another_job_or_garbage_is_refused() {
    let tenant = Tenant::start(10, 5).await;
    let graph = tenant.graph();
    let step = group_links_step(&graph, GroupLinks::Members, None).await.unwrap();
    let Next::Done(_) = step.next else { panic!("five groups fit in one step") };

    let members_cursor = r#"{"job":"group-membership-full-inventory","started":"2026-01-01T00:00:00Z","page":null,"done_in_page":2}"#;
    let error = group_links_step(&graph, GroupLinks::Owners, Some(members_cursor)).await.unwrap_err();
    assert!(matches!(error, inventory::JobError::InvalidCursor(ref d) if d.contains("group-membership-full-inventory")), "{error:?}");
    let error = group_links_step(&graph, GroupLinks::Members, Some("not a cursor")).await.unwrap_err();
    assert!(matches!(error, inventory::JobError::InvalidCursor(_)), "{error:?}");

    // A valid cursor resumes mid-page: the first two groups are not delivered again.
    let resumed = group_links_step(&graph, GroupLinks::Members, Some(members_cursor)).await.unwrap();
    assert_eq!(resumed.documents.len(), 3);
}

#[tokio::test]
async fn a_group_larger_than_a_step_comes_in_consecutive_parts_and_no_step_holds_more() {
    let tenant = Tenant::start(6_500, 3).await;
    let graph = tenant.graph();
    let largest = tenant
        .emulator
        .groups()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .max_by_key(|g| tenant.emulator.members_of(g).len())
        .unwrap();
    let size = tenant.emulator.members_of(&largest).len();
    assert!(size > inventory::LINKS_PER_STEP, "the demo tenant has a group of everyone: {size}");

    let mut cursor = None::<String>;
    let mut parts = 0;
    loop {
        let step = group_links_step(&graph, GroupLinks::Members, cursor.as_deref()).await.unwrap();
        let held: usize = step.documents.iter().map(|d| d.value()["members"].as_array().unwrap().len()).sum();
        // Its share, and at most one batch of first pages beyond it.
        assert!(held < inventory::LINKS_PER_STEP + graph::MAX_BATCH * 999, "a step holds a bounded number of links: {held}");
        parts += step.documents.iter().filter(|d| d.object_id == largest).count();
        match step.next {
            Next::More(next) => cursor = Some(next),
            Next::Done(_) => break,
        }
    }
    assert!(parts >= 2, "the large group came in {parts} parts");
    let (documents, _, _) = run(&tenant, GroupLinks::Members).await;
    assert_eq!(sorted(documents, "members"), expected(&tenant, |id| tenant.emulator.members_of(id), "members"));
}
