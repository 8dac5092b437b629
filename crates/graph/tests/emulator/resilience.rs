//! Through the emulator's injected throttling and faults: batches retry what Graph throttled
//! inside them, and a long run of calls ends each one in success or a proper 429/503, never
//! waits less than a Retry-After, and never repeats a create that may have happened.

use std::collections::{BTreeMap, HashMap};

use graph::{Error, GraphClient, TokenCache};
use graph_emulator::{EmulatorConfig, Faults};
use serde_json::json;

use crate::{Loopback, config, secret, start};

#[tokio::test]
async fn batches_retry_only_what_was_throttled_inside_them() {
    let emulator = start(EmulatorConfig {
        users: 30,
        groups: 20,
        ..EmulatorConfig::default()
    })
    .await;
    let (transport, config, tokens) = (
        Loopback::new(),
        config(&emulator, secret(&emulator)),
        TokenCache::new(),
    );
    let client = GraphClient::new(&transport, &config, &tokens);
    let users: Vec<String> = emulator
        .users()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    let paths: Vec<String> = users
        .iter()
        .map(|id| format!("/users/{id}?$select=id"))
        .collect();
    let group = emulator
        .groups()
        .iter()
        .find(|g| g["displayName"] == "Finance")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    emulator.set_faults(Faults {
        throttle_percent: 40,
        retry_after_seconds: 1,
        ..Faults::default()
    });
    let results = client.batch_get(&paths).await;
    for (result, id) in results.iter().zip(&users) {
        assert_eq!(result.as_ref().unwrap()["id"], id.as_str());
    }
    let added = client.add_members(&group, &users[..25]).await;
    emulator.set_faults(Faults::default());
    let members = emulator.members_of(&group);
    for (result, id) in added.iter().zip(&users) {
        match result {
            Ok(()) => assert!(members.contains(id)),
            // A member the demo data already put there.
            Err(e) => assert!(matches!(e, Error::Graph { status: 400, .. }), "{e:?}"),
        }
    }
    let removed = client.remove_members(&group, &users[..25]).await;
    assert!(removed.iter().all(Result::is_ok), "{removed:?}");
    assert!(
        emulator
            .members_of(&group)
            .iter()
            .all(|m| !users[..25].contains(m))
    );

    let log = emulator.retry_after_log();
    assert!(!log.is_empty());
    assert!(log.iter().all(|r| !r.undercut()), "{log:?}");
}

/// 1,000 calls in 50 concurrent lanes, 30 % of Graph requests throttled and 5 % failing
/// (503, 500, or processed with the answer lost).
#[tokio::test]
async fn a_thousand_calls_through_throttling_and_faults() {
    const LANES: usize = 50;
    const CALLS_PER_LANE: usize = 20;
    let emulator = start(EmulatorConfig {
        users: 100,
        groups: 20,
        seed: 7,
        faults: Faults {
            throttle_percent: 30,
            unavailable_percent: 1,
            server_error_percent: 2,
            drop_percent: 2,
            retry_after_seconds: 1,
            latency_ms: 1,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    })
    .await;
    let (transport, config, tokens) = (
        Loopback::new(),
        config(&emulator, secret(&emulator)),
        TokenCache::new(),
    );
    let client = GraphClient::new(&transport, &config, &tokens);
    let users: Vec<String> = emulator
        .users()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    let groups: Vec<String> = emulator
        .groups()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect();

    #[derive(Debug)]
    enum Call {
        Read,
        Update,
        AddMember,
        Create(String),
    }
    let lane = |lane: usize| {
        let (client, users, groups) = (&client, &users, &groups);
        async move {
            let mut outcomes = Vec::new();
            for n in 0..CALLS_PER_LANE {
                let i = lane * CALLS_PER_LANE + n;
                let user = &users[i % users.len()];
                let (call, result) = match i % 4 {
                    0 => (Call::Read, client.get_user(user).await.map(drop)),
                    1 => (
                        Call::Update,
                        client
                            .update_user(
                                user,
                                &json!({"officeLocation": format!("Desk {}", i % 7)}),
                            )
                            .await,
                    ),
                    // Lane and call pick a group and a user no other call pairs.
                    2 => (
                        Call::AddMember,
                        client
                            .add_member(
                                &groups[lane % groups.len()],
                                &users[(n * 5 + lane / groups.len()) % users.len()],
                            )
                            .await,
                    ),
                    _ => {
                        let name = format!("Resilience {i}");
                        let body = json!({"displayName": name, "mailEnabled": false, "mailNickname": format!("resilience{i}"), "securityEnabled": true});
                        (
                            Call::Create(name),
                            client.create_group(&body).await.map(drop),
                        )
                    }
                };
                outcomes.push((call, result));
            }
            outcomes
        }
    };
    let outcomes: Vec<(Call, Result<(), Error>)> = futures::future::join_all((0..LANES).map(lane))
        .await
        .into_iter()
        .flatten()
        .collect();
    emulator.set_faults(Faults::default());
    assert_eq!(outcomes.len(), LANES * CALLS_PER_LANE);

    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for (call, result) in &outcomes {
        let kind = match result {
            Ok(()) => "ok".to_string(),
            Err(Error::Graph {
                status: status @ (429 | 503),
                retry_after: Some(_),
                ..
            }) => format!("{status}"),
            // The demo data may already hold the pair.
            Err(e)
                if matches!(call, Call::AddMember) && e.to_string().contains("already exist") =>
            {
                "ok (already a member)".into()
            }
            // A create is not repeated after a failure that may have followed the change.
            Err(Error::Graph { status: 500, .. } | Error::Transport(_))
                if matches!(call, Call::Create(_)) =>
            {
                "create unanswered".into()
            }
            Err(e) => panic!("{call:?} ended in {e:?}"),
        };
        *tally.entry(kind).or_default() += 1;
    }
    eprintln!("outcomes: {tally:?}");
    assert!(tally["ok"] >= 900, "{tally:?}");

    // No create was sent again after an answer other than 429/503: no duplicates possible.
    let exchanges = transport.exchanges.borrow();
    let mut attempts: HashMap<&str, Vec<Option<u16>>> = HashMap::new();
    for e in exchanges
        .iter()
        .filter(|e| e.method == "POST" && e.path == "/v1.0/groups")
    {
        attempts
            .entry(e.client_request_id.as_deref().unwrap())
            .or_default()
            .push(e.status);
    }
    for statuses in attempts.values() {
        for earlier in &statuses[..statuses.len() - 1] {
            assert!(
                matches!(earlier, Some(429 | 503)),
                "a create repeated after {earlier:?}: {statuses:?}"
            );
        }
    }
    let names: Vec<String> = emulator
        .groups()
        .iter()
        .filter_map(|g| g["displayName"].as_str().map(str::to_string))
        .collect();
    for (call, _) in &outcomes {
        if let Call::Create(name) = call {
            assert!(
                names.iter().filter(|n| *n == name).count() <= 1,
                "{name} created twice"
            );
        }
    }

    // Every Retry-After the emulator gave was honoured in full.
    let log = emulator.retry_after_log();
    assert!(
        log.len() > 200,
        "{} Retry-After answers were followed by a retry",
        log.len()
    );
    let undercut: Vec<_> = log.iter().filter(|r| r.undercut()).collect();
    assert!(undercut.is_empty(), "{undercut:?}");
}
