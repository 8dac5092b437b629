//! `users/delta` and `groups/delta` over real HTTP: initial rounds that page over every object
//! once, change rounds that report exactly what changed (created, updated, soft and permanent
//! deletes, restores, manager and membership changes) in Graph's shapes, large groups split
//! over pages, `$deltatoken=latest`, refused tokens and options, changes made mid-round, and
//! the 410 a reset of change tracking gives.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Answer, Graph};
use graph_emulator::EmulatorConfig;
use http::Method;
use serde_json::{Value, json};

async fn start(users: usize, groups: usize) -> Graph {
    Graph::start_with(EmulatorConfig {
        users,
        groups,
        ..Default::default()
    })
    .await
}

async fn get_paged(graph: &Graph, url: &str, page_size: Option<usize>) -> Answer {
    let prefer = page_size.map(|n| format!("odata.maxpagesize={n}"));
    let headers: Vec<(&str, &str)> = prefer.iter().map(|p| ("prefer", p.as_str())).collect();
    graph.call(Method::GET, url, &headers, None).await
}

/// One delta page: its entries and either its next link or its delta link, never both.
struct Page {
    value: Vec<Value>,
    next: Option<String>,
    delta: Option<String>,
}

async fn page(graph: &Graph, url: &str, page_size: Option<usize>) -> Page {
    let answer = get_paged(graph, url, page_size).await;
    assert_eq!(
        answer.status,
        200,
        "{url}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    let body = answer.json();
    let link = |name: &str| body[name].as_str().map(str::to_owned);
    let (next, delta) = (link("@odata.nextLink"), link("@odata.deltaLink"));
    assert!(
        next.is_some() != delta.is_some(),
        "exactly one of nextLink and deltaLink: {body}"
    );
    Page {
        value: body["value"].as_array().expect("a value array").clone(),
        next,
        delta,
    }
}

/// Follows next links to the end of a round: every entry, the pages' sizes, the delta link.
async fn round(
    graph: &Graph,
    url: &str,
    page_size: Option<usize>,
) -> (Vec<Value>, Vec<usize>, String) {
    let (mut entries, mut sizes, mut url) = (Vec::new(), Vec::new(), url.to_string());
    loop {
        let page = page(graph, &url, page_size).await;
        sizes.push(page.value.len());
        entries.extend(page.value);
        match (page.next, page.delta) {
            (Some(next), _) => url = next,
            (None, Some(delta)) => return (entries, sizes, delta),
            (None, None) => unreachable!(),
        }
        assert!(sizes.len() < 10_000, "a round ends");
    }
}

fn id(entry: &Value) -> String {
    entry["id"]
        .as_str()
        .expect("every entry has an id")
        .to_string()
}

fn ids(entries: &[Value]) -> BTreeSet<String> {
    entries.iter().map(id).collect()
}

fn removed(entry: &Value) -> Option<&str> {
    entry["@removed"]["reason"].as_str()
}

async fn send(graph: &Graph, method: Method, url: &str, body: Option<Value>) -> Answer {
    let body = body.map(|b| b.to_string());
    let answer = graph.call(method, url, &[], body.as_deref()).await;
    assert!(
        (200..300).contains(&answer.status),
        "{url}: {} {}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    answer
}

async fn create_user(graph: &Graph, name: &str) -> String {
    let body = json!({
        "accountEnabled": true,
        "displayName": name,
        "mailNickname": name,
        "userPrincipalName": format!("{name}@contoso.onmicrosoft.com"),
        "passwordProfile": { "password": "xWwvJ]6NMw+bWH-d" }
    });
    let answer = send(graph, Method::POST, "/v1.0/users", Some(body)).await;
    id(&answer.json())
}

fn reference(id: &str) -> Value {
    json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}") })
}

/// A local copy of users kept by applying delta entries, as a connector's inventory would.
#[derive(Default)]
struct UserStore(BTreeMap<String, Value>);

impl UserStore {
    fn apply(&mut self, entries: &[Value]) {
        for entry in entries {
            if removed(entry).is_some() {
                self.0.remove(&id(entry));
            } else {
                self.0.insert(id(entry), entry["displayName"].clone());
            }
        }
    }

    fn matches(&self, graph: &Graph) {
        let live: BTreeMap<String, Value> = graph
            .emulator
            .users()
            .iter()
            .map(|u| (id(u), u["displayName"].clone()))
            .collect();
        assert_eq!(self.0, live);
    }
}

/// Group memberships kept by applying `members@delta` and `owners@delta`.
#[derive(Default)]
struct GroupStore(BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>);

impl GroupStore {
    fn apply(&mut self, entries: &[Value]) {
        for entry in entries {
            if removed(entry).is_some() {
                self.0.remove(&id(entry));
                continue;
            }
            let (members, owners) = self.0.entry(id(entry)).or_default();
            for (key, set) in [("members@delta", members), ("owners@delta", owners)] {
                for link in entry[key].as_array().into_iter().flatten() {
                    match removed(link) {
                        Some(reason) => {
                            assert_eq!(reason, "deleted");
                            set.remove(&id(link));
                        }
                        None => {
                            set.insert(id(link));
                        }
                    }
                }
            }
        }
    }

    fn matches(&self, graph: &Graph) {
        let live: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = graph
            .emulator
            .groups()
            .iter()
            .map(|g| {
                let id = id(g);
                let members = graph.emulator.members_of(&id).into_iter().collect();
                let owners = graph.emulator.owners_of(&id).into_iter().collect();
                (id, (members, owners))
            })
            .collect();
        assert_eq!(self.0, live);
    }
}

#[tokio::test]
async fn an_initial_user_round_pages_over_every_user_once_and_ends_with_a_delta_link() {
    let graph = start(250, 0).await;
    let (entries, sizes, delta) = round(&graph, "/v1.0/users/delta", None).await;
    assert_eq!(sizes, vec![100, 100, 50], "Graph's default page");
    assert_eq!(entries.len(), 250);
    let expected: BTreeSet<String> = graph.emulator.users().iter().map(id).collect();
    assert_eq!(ids(&entries), expected, "every user exactly once");
    assert!(delta.contains("/v1.0/users/delta?$deltatoken="), "{delta}");
    // Without $select: the default properties, as a list gives them.
    assert_eq!(
        entries[0]["userPrincipalName"],
        "adele.vance@contoso.onmicrosoft.com"
    );
    assert!(entries[0].get("department").is_none());

    let url = "/v1.0/users/delta?$select=displayName,userPrincipalName";
    let (entries, sizes, _) = round(&graph, url, Some(40)).await;
    assert_eq!(sizes, vec![40, 40, 40, 40, 40, 40, 10]);
    assert_eq!(ids(&entries).len(), 250);
    let keys: BTreeSet<&str> = entries[7]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["id", "displayName", "userPrincipalName"]),
        "id comes unasked"
    );

    // The function's full name, as the SDKs send it.
    let answer = get_paged(
        &graph,
        "/v1.0/users/microsoft.graph.delta()?$select=id",
        Some(1),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.json()["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$skiptoken=")
    );
}

#[tokio::test]
async fn a_user_change_round_reports_exactly_what_changed_in_graphs_shapes() {
    let graph = start(30, 0).await;
    let (renamed, doomed, purged, boss, report) = (
        create_user(&graph, "renamed").await,
        create_user(&graph, "doomed").await,
        create_user(&graph, "purged").await,
        create_user(&graph, "boss").await,
        create_user(&graph, "report").await,
    );
    let manager_ref = reference(&boss);
    send(
        &graph,
        Method::PUT,
        &format!("/v1.0/users/{report}/manager/$ref"),
        Some(manager_ref),
    )
    .await;
    let select = "$select=displayName,accountEnabled,manager";
    let latest = page(
        &graph,
        &format!("/v1.0/users/delta?{select}&$deltatoken=latest"),
        None,
    )
    .await;
    assert!(latest.value.is_empty(), "latest lists nothing");
    let baseline = latest.delta.expect("a delta link from now on");

    let fresh = create_user(&graph, "fresh").await;
    let body = json!({ "displayName": "Renamed Person" });
    send(
        &graph,
        Method::PATCH,
        &format!("/v1.0/users/{renamed}"),
        Some(body),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/users/{doomed}"),
        None,
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/users/{purged}"),
        None,
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/directory/deletedItems/{purged}"),
        None,
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/users/{report}/manager/$ref"),
        None,
    )
    .await;

    let (entries, _, next_round) = round(&graph, &baseline, None).await;
    let by_id: BTreeMap<String, &Value> = entries.iter().map(|e| (id(e), e)).collect();
    assert_eq!(
        by_id.keys().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from([
            fresh.clone(),
            renamed.clone(),
            doomed.clone(),
            purged.clone(),
            report.clone()
        ]),
        "exactly the changed users: {entries:#?}"
    );
    assert_eq!(entries.len(), 5, "each once");
    assert_eq!(by_id[&fresh]["displayName"], "fresh");
    assert_eq!(by_id[&renamed]["displayName"], "Renamed Person");
    assert_eq!(
        by_id[&renamed]["accountEnabled"], true,
        "unchanged selected properties come too"
    );
    assert_eq!(
        *by_id[&doomed],
        json!({ "id": doomed, "@removed": { "reason": "changed" } })
    );
    assert_eq!(
        *by_id[&purged],
        json!({ "id": purged, "@removed": { "reason": "deleted" } })
    );
    assert_eq!(
        by_id[&report]["manager@delta"],
        json!([{ "@odata.type": "#microsoft.graph.user", "id": boss, "@removed": { "reason": "deleted" } }])
    );

    // A restored user reappears as changed; nothing else happened.
    graph.emulator.restore(&doomed).unwrap();
    let (entries, _, quiet_round) = round(&graph, &next_round, None).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(id(&entries[0]), doomed);
    assert_eq!(entries[0]["displayName"], "doomed");
    assert!(removed(&entries[0]).is_none());
    let (entries, sizes, _) = round(&graph, &quiet_round, None).await;
    assert!(
        entries.is_empty() && sizes == vec![0],
        "no change, no entries"
    );

    // Deleting a manager changes each report: it comes with the manager it lost.
    send(
        &graph,
        Method::PUT,
        &format!("/v1.0/users/{report}/manager/$ref"),
        Some(reference(&boss)),
    )
    .await;
    let (entries, _, after_set) = round(&graph, &quiet_round, None).await;
    assert_eq!(
        entries[0]["manager@delta"],
        json!([{ "@odata.type": "#microsoft.graph.user", "id": boss }])
    );
    send(&graph, Method::DELETE, &format!("/v1.0/users/{boss}"), None).await;
    let (entries, _, _) = round(&graph, &after_set, None).await;
    assert_eq!(
        ids(&entries),
        BTreeSet::from([boss.clone(), report.clone()])
    );
    let report_entry = entries.iter().find(|e| id(e) == report).unwrap();
    assert_eq!(
        report_entry["manager@delta"][0]["@removed"]["reason"],
        "deleted"
    );
}

#[tokio::test]
async fn group_rounds_report_properties_deletes_and_member_and_owner_changes() {
    let graph = start(100, 20).await;
    let select = "/v1.0/groups/delta?$select=displayName,groupTypes,members,owners";
    let (entries, _, baseline) = round(&graph, select, None).await;
    assert_eq!(ids(&entries).len(), 20);
    let mut store = GroupStore::default();
    store.apply(&entries);
    store.matches(&graph);
    let all_company = &entries[0];
    assert_eq!(all_company["displayName"], "All Company");
    assert_eq!(all_company["members@delta"].as_array().unwrap().len(), 100);
    assert_eq!(
        all_company["members@delta"][0],
        json!({ "@odata.type": "#microsoft.graph.user", "id": graph.emulator.members_of(&id(all_company))[0] })
    );
    assert_eq!(all_company["owners@delta"].as_array().unwrap().len(), 1);
    let nested = entries
        .iter()
        .find(|e| e["displayName"] == "Product and Engineering")
        .unwrap();
    assert_eq!(
        nested["members@delta"][0]["@odata.type"],
        "#microsoft.graph.group"
    );

    // Without $select, groups come with members@delta (and no owners@delta).
    let (plain, _, _) = round(&graph, "/v1.0/groups/delta", None).await;
    assert!(plain[0].get("members@delta").is_some() && plain[0].get("owners@delta").is_none());

    let groups = graph.emulator.groups();
    let name = |n: &str| id(groups.iter().find(|g| g["displayName"] == n).unwrap());
    let (sales, legal, finance, it, mark8, nested) = (
        name("Sales"),
        name("Legal"),
        name("Finance"),
        name("IT"),
        name("Mark 8 Project Team"),
        name("Product and Engineering"),
    );
    let newcomer = create_user(&graph, "newcomer").await;
    let leaver = graph.emulator.members_of(&sales)[0].clone();
    let doomed = graph.emulator.members_of(&legal)[0].clone();
    send(
        &graph,
        Method::POST,
        &format!("/v1.0/groups/{sales}/members/$ref"),
        Some(reference(&newcomer)),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/groups/{sales}/members/{leaver}/$ref"),
        None,
    )
    .await;
    send(
        &graph,
        Method::POST,
        &format!("/v1.0/groups/{sales}/owners/$ref"),
        Some(reference(&newcomer)),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/users/{doomed}"),
        None,
    )
    .await;
    send(
        &graph,
        Method::PATCH,
        &format!("/v1.0/groups/{finance}"),
        Some(json!({ "displayName": "Money" })),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/groups/{mark8}"),
        None,
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/groups/{nested}"),
        None,
    )
    .await;
    // Added and removed within the round: only the removal counts.
    send(
        &graph,
        Method::POST,
        &format!("/v1.0/groups/{it}/members/$ref"),
        Some(reference(&newcomer)),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/groups/{it}/members/{newcomer}/$ref"),
        None,
    )
    .await;

    let (entries, _, next_round) = round(&graph, &baseline, None).await;
    let by_id: BTreeMap<String, &Value> = entries.iter().map(|e| (id(e), e)).collect();
    // The deleted user was in All Company, Legal and maybe Leadership; the nested group
    // held Engineering and Product Management, which do not change by its deletion.
    let mut expected = BTreeSet::from([
        sales.clone(),
        finance.clone(),
        it.clone(),
        mark8.clone(),
        nested.clone(),
    ]);
    expected.extend(
        groups
            .iter()
            .map(id)
            .filter(|g| store.0[g].0.contains(&doomed) || store.0[g].1.contains(&doomed)),
    );
    assert_eq!(by_id.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let user = |id: &str| json!({ "@odata.type": "#microsoft.graph.user", "id": id });
    let gone = |id: &str| json!({ "@odata.type": "#microsoft.graph.user", "id": id, "@removed": { "reason": "deleted" } });
    assert_eq!(
        by_id[&sales]["members@delta"],
        json!([user(&newcomer), gone(&leaver)])
    );
    assert_eq!(by_id[&sales]["owners@delta"], json!([user(&newcomer)]));
    assert_eq!(by_id[&legal]["members@delta"], json!([gone(&doomed)]));
    assert_eq!(by_id[&it]["members@delta"], json!([gone(&newcomer)]));
    assert_eq!(by_id[&finance]["displayName"], "Money");
    assert!(
        by_id[&finance].get("members@delta").is_none(),
        "no membership change"
    );
    assert_eq!(
        *by_id[&mark8],
        json!({ "id": mark8, "@removed": { "reason": "changed" } }),
        "Microsoft 365: restorable"
    );
    assert_eq!(
        *by_id[&nested],
        json!({ "id": nested, "@removed": { "reason": "deleted" } }),
        "security: gone for good"
    );
    store.apply(&entries);
    store.matches(&graph);

    // A restored group comes back with its whole membership.
    graph.emulator.restore(&mark8).unwrap();
    let (entries, _, _) = round(&graph, &next_round, None).await;
    assert_eq!(ids(&entries), BTreeSet::from([mark8.clone()]));
    let members = entries[0]["members@delta"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect::<BTreeSet<_>>();
    assert_eq!(
        members,
        graph.emulator.members_of(&mark8).into_iter().collect()
    );
    store.apply(&entries);
    store.matches(&graph);
}

#[tokio::test]
async fn large_groups_are_split_over_pages_and_their_entries_add_up_to_every_member() {
    let graph = start(2_500, 20).await;
    let url = "/v1.0/groups/delta?$select=displayName,members,owners";
    let (mut url, mut pages, mut store) = (url.to_string(), Vec::new(), GroupStore::default());
    loop {
        let page = page(&graph, &url, Some(10)).await;
        let references: usize = page
            .value
            .iter()
            .map(|e| {
                e["members@delta"].as_array().map_or(0, Vec::len)
                    + e["owners@delta"].as_array().map_or(0, Vec::len)
            })
            .sum();
        assert!(
            page.value.len() <= 10 && references <= 100,
            "{} entries, {references} references",
            page.value.len()
        );
        store.apply(&page.value);
        pages.push(page.value);
        match page.next {
            Some(next) => url = next,
            None => break,
        }
    }
    store.matches(&graph);
    let all_company = id(&pages[0][0]);
    let entries = pages
        .iter()
        .flatten()
        .filter(|e| id(e) == all_company)
        .count();
    assert_eq!(entries, 26, "2,500 members and an owner, 100 a page");
    assert!(
        pages
            .iter()
            .flatten()
            .filter(|e| id(e) == all_company)
            .all(|e| e["displayName"] == "All Company")
    );
}

#[tokio::test]
async fn a_change_made_between_pages_is_never_lost() {
    let graph = start(60, 0).await;
    let users = graph.emulator.users();
    let mut store = UserStore::default();

    // An initial round, with changes after its first page: behind and ahead of the cursor.
    let first = page(&graph, "/v1.0/users/delta?$select=displayName", Some(10)).await;
    store.apply(&first.value);
    let (behind, ahead, doomed) = (id(&users[3]), id(&users[40]), id(&users[50]));
    send(
        &graph,
        Method::PATCH,
        &format!("/v1.0/users/{behind}"),
        Some(json!({ "displayName": "Behind" })),
    )
    .await;
    send(
        &graph,
        Method::PATCH,
        &format!("/v1.0/users/{ahead}"),
        Some(json!({ "displayName": "Ahead" })),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/users/{doomed}"),
        None,
    )
    .await;
    create_user(&graph, "midround").await;
    let (rest, _, delta) = round(&graph, &first.next.unwrap(), Some(10)).await;
    store.apply(&rest);
    let (changes, _, delta) = round(&graph, &delta, Some(10)).await;
    store.apply(&changes);
    store.matches(&graph);

    // A change round, with more changes between its pages.
    for (i, user) in users.iter().take(25).enumerate() {
        let body = json!({ "displayName": format!("Renamed {i}") });
        send(
            &graph,
            Method::PATCH,
            &format!("/v1.0/users/{}", id(user)),
            Some(body),
        )
        .await;
    }
    let first = page(&graph, &delta, Some(5)).await;
    assert_eq!(first.value.len(), 5);
    store.apply(&first.value);
    send(
        &graph,
        Method::PATCH,
        &format!("/v1.0/users/{}", id(&users[0])),
        Some(json!({ "displayName": "Again" })),
    )
    .await;
    send(
        &graph,
        Method::PATCH,
        &format!("/v1.0/users/{}", id(&users[24])),
        Some(json!({ "displayName": "Late" })),
    )
    .await;
    send(
        &graph,
        Method::DELETE,
        &format!("/v1.0/users/{}", id(&users[20])),
        None,
    )
    .await;
    let (rest, _, delta) = round(&graph, &first.next.unwrap(), Some(5)).await;
    store.apply(&rest);
    let (changes, _, _) = round(&graph, &delta, Some(5)).await;
    assert_eq!(
        changes.len(),
        3,
        "the three mid-round changes, in the next round: {changes:#?}"
    );
    store.apply(&changes);
    store.matches(&graph);
}

#[tokio::test]
async fn refused_tokens_and_options_carry_graphs_errors() {
    let graph = start(5, 20).await;
    let (_, _, users_delta) = round(&graph, "/v1.0/users/delta", None).await;
    let token = users_delta.split_once("$deltatoken=").unwrap().1;
    for (url, status, code) in [
        (
            "/v1.0/users/delta?$deltatoken=not-a-token".to_string(),
            400,
            "Request_BadRequest",
        ),
        (
            "/v1.0/users/delta?$skiptoken=bm9wZQ".to_string(),
            400,
            "Request_BadRequest",
        ),
        (
            format!("/v1.0/groups/delta?$deltatoken={token}"),
            400,
            "Request_BadRequest",
        ),
        (
            format!("/v1.0/users/delta?$skiptoken={token}"),
            400,
            "Request_BadRequest",
        ),
        (
            format!("/v1.0/users/delta?$deltatoken={token}&$skiptoken={token}"),
            400,
            "Request_BadRequest",
        ),
        (
            "/v1.0/users/delta?$top=5".to_string(),
            400,
            "Request_UnsupportedQuery",
        ),
        (
            "/v1.0/groups/delta?$expand=members".to_string(),
            400,
            "Request_UnsupportedQuery",
        ),
        (
            "/v1.0/users/delta?$select=shoeSize".to_string(),
            400,
            "BadRequest",
        ),
        ("/v1.0/users/delta?$bogus=1".to_string(), 400, "BadRequest"),
    ] {
        let answer = graph.get(&url).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{url}: {}",
            answer.message()
        );
    }
    let first = page(&graph, "/v1.0/groups/delta", Some(5)).await;
    let next = first.next.unwrap();
    let answer = graph.get(&format!("{next}&$select=displayName")).await;
    assert_eq!(answer.status, 400, "a round keeps its $select");
    let answer = graph
        .call(Method::POST, "/v1.0/users/delta", &[], Some("{}"))
        .await;
    assert_eq!(answer.status, 405);
    let answer = graph
        .send(Method::GET, "/v1.0/users/delta", &[], None)
        .await;
    assert_eq!(answer.status, 401, "a token is needed as anywhere");
}

#[tokio::test]
async fn a_reset_of_change_tracking_answers_410_with_where_to_start_over() {
    let graph = start(12, 20).await;
    let url = "/v1.0/groups/delta?$select=displayName,members";
    let (_, _, delta) = round(&graph, url, None).await;
    let first = page(&graph, &delta, None).await;
    assert!(first.value.is_empty());
    for group in &graph.emulator.groups()[..2] {
        send(
            &graph,
            Method::PATCH,
            &format!("/v1.0/groups/{}", id(group)),
            Some(json!({ "description": "x" })),
        )
        .await;
    }
    let mid = page(&graph, &first.delta.unwrap(), Some(1)).await;
    assert_eq!(mid.value.len(), 1);

    graph.emulator.reset_change_tracking();
    for stale in [delta, mid.next.expect("a second change to page to")] {
        let answer = graph.get(&stale).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (410, "resyncRequired"),
            "{stale}"
        );
        let location = answer
            .header("location")
            .expect("where to start over")
            .to_string();
        assert!(
            location.ends_with("/v1.0/groups/delta?$select=displayName,members&$deltatoken="),
            "{location}"
        );
        let (entries, _, fresh) = round(&graph, &location, None).await;
        assert_eq!(ids(&entries).len(), 20, "a full round again");
        assert!(
            page(&graph, &fresh, None).await.value.is_empty(),
            "its delta link works"
        );
    }
    // A round that began after the reset is unaffected, and latest is always fine.
    let latest = page(&graph, "/v1.0/users/delta?$deltatoken=latest", None).await;
    assert!(
        page(&graph, &latest.delta.unwrap(), None)
            .await
            .value
            .is_empty()
    );
}
