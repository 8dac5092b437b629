//! update_user against a fake Graph: the manager set from the enterprise extension, never from
//! the read-only top-level `manager` that mirrors it for the Entra attribute table, and the
//! start and end dates written to their Graph properties.

mod support;

use scim::User;
use scim_graph::{manager_id, update_user, user_create_body, user_to_scim};
use serde_json::{Value, json};
use support::{FakeGraph, block_on, with_client};

const GRAPH_USER: &str = include_str!("fixtures/graph_user.json");
const BASE: &str = "https://connector.example/scim/v2";
const UID: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const MANAGER: &str = "5bde3e51-d13b-4db1-9948-fe4b109d11a7";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn current() -> User {
    let graph: graph::User = serde_json::from_str(GRAPH_USER).unwrap();
    user_to_scim(&graph, BASE)
}

fn edited(edit: impl FnOnce(&mut Value)) -> User {
    let mut json = current().to_json();
    edit(&mut json);
    User::from_request_body(json.to_string().as_bytes()).unwrap()
}

/// The requests `update_user` sends to turn the current user into `after`.
fn requests(after: &User) -> Result<Vec<String>, scim::error::ScimError> {
    let fake = FakeGraph::new();
    fake.no_content();
    with_client(&fake, |graph| block_on(update_user(graph, UID, &current(), after)))?;
    Ok(fake.calls())
}

fn set_manager(id: &str) -> String {
    format!("PUT /v1.0/users/{UID}/manager/$ref {id}")
}

#[test]
fn the_read_side_names_the_manager_in_both_places() {
    let user = current().to_json();
    assert_eq!(user["manager"], MANAGER);
    assert_eq!(user[ENT]["manager"]["value"], MANAGER);
    assert_eq!(requests(&current()).unwrap(), Vec::<String>::new());
}

#[test]
fn the_enterprise_manager_is_the_one_written_and_the_top_level_one_only_mirrors_it() {
    let after = edited(|u| u[ENT]["manager"] = json!({"value": "m-2"}));
    assert_eq!(requests(&after).unwrap(), [set_manager("m-2")]);
    // A replacement that leaves the mirror out, or sends it stale, changes nothing by it.
    let without_mirror = edited(|u| {
        u.as_object_mut().unwrap().remove("manager");
    });
    assert_eq!(requests(&without_mirror).unwrap(), Vec::<String>::new());
    let stale_mirror = edited(|u| {
        u["manager"] = json!("m-3");
        u[ENT]["manager"] = json!({"value": "m-2"});
    });
    assert_eq!(requests(&stale_mirror).unwrap(), [set_manager("m-2")]);
    let no_manager = edited(|u| {
        u[ENT].as_object_mut().unwrap().remove("manager");
    });
    assert_eq!(requests(&no_manager).unwrap(), [format!("DELETE /v1.0/users/{UID}/manager/$ref")]);
}

#[test]
fn a_create_request_names_the_manager_in_the_enterprise_extension() {
    let request = |body: Value| User::from_request_body(body.to_string().as_bytes()).unwrap();
    let mirror_only = request(json!({"userName": "a@c.com", "manager": "m-2"}));
    assert_eq!(manager_id(&mirror_only), None, "read-only: ignored on create");
    let body = user_create_body(&mirror_only, "pw").unwrap();
    assert!(body.get("manager").is_none(), "{body}");
    let enterprise = request(json!({"userName": "a@c.com", ENT: {"manager": {"value": "m-2"}}}));
    assert_eq!(manager_id(&enterprise), Some("m-2"));
}

#[test]
fn start_and_end_dates_are_written_to_the_hire_and_leave_dates() {
    let after = edited(|u| {
        u["startDateTime"] = json!("2021-04-01T00:00:00Z");
        u.as_object_mut().unwrap().remove("endDateTime");
    });
    let fake = FakeGraph::new();
    fake.no_content();
    with_client(&fake, |graph| block_on(update_user(graph, UID, &current(), &after))).unwrap();
    assert_eq!(fake.calls(), [format!("PATCH /v1.0/users/{UID}")]);
    assert_eq!(
        fake.body(0),
        json!({"employeeHireDate": "2021-04-01T00:00:00Z", "employeeLeaveDateTime": null})
    );
}
