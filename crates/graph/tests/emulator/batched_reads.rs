//! Reads that gather many Graph requests into `$batch` requests: objects by id (15 ids to a
//! filter, 20 filters to a batch), the first page of many groups' links, and many users'
//! mailbox settings.

use graph::{GraphClient, MAX_MEMBER_PAGE, TokenCache};
use graph_emulator::EmulatorConfig;
use serde_json::json;

use crate::{Loopback, config, secret, start};

#[tokio::test]
async fn objects_by_id_come_300_to_a_round_trip_and_missing_ones_are_left_out() {
    let emulator = start(EmulatorConfig { users: 400, groups: 40, ..EmulatorConfig::default() }).await;
    let (transport, config, tokens) = (Loopback::new(), config(&emulator, secret(&emulator)), TokenCache::new());
    let client = GraphClient::new(&transport, &config, &tokens);
    let mut wanted: Vec<String> = emulator.users().iter().take(310).map(|u| u["id"].as_str().unwrap().to_string()).collect();
    wanted.push("00000000-0000-0000-0000-000000000000".into());
    let ids: Vec<&str> = wanted.iter().map(String::as_str).collect();

    let before = emulator.request_count();
    let users = client.users_with_ids(&ids).await.unwrap();
    assert_eq!(emulator.request_count() - before, 2, "311 ids: 21 filters, two batches");
    let mut found: Vec<&str> = users.iter().map(|u| u.id.as_deref().unwrap()).collect();
    found.sort();
    let mut expected = ids[..310].to_vec();
    expected.sort();
    assert_eq!(found, expected, "every existing user once; the unknown id is not an error");
    assert!(users.iter().all(|u| u.user_principal_name.is_some()), "whole users, as list_users reads them");

    let group_ids: Vec<String> = emulator.groups().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect();
    let ids: Vec<&str> = group_ids.iter().map(String::as_str).collect();
    let groups = client.groups_with_ids(&ids).await.unwrap();
    assert_eq!(groups.len(), 40);
}

#[tokio::test]
async fn first_pages_of_links_come_20_groups_to_a_request_and_page_on_alone() {
    let emulator = start(EmulatorConfig { users: 1_200, groups: 30, ..EmulatorConfig::default() }).await;
    let (transport, config, tokens) = (Loopback::new(), config(&emulator, secret(&emulator)), TokenCache::new());
    let client = GraphClient::new(&transport, &config, &tokens);
    let group_ids: Vec<String> = emulator.groups().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect();

    let before = emulator.request_count();
    let members = client.first_member_pages(&group_ids).await;
    let owners = client.first_owner_pages(&group_ids).await;
    assert_eq!(emulator.request_count() - before, 4, "30 groups: two batches each for members and owners");

    let mut paged_on = 0;
    for ((id, first_members), first_owners) in group_ids.iter().zip(members).zip(owners) {
        let mut page = first_members.unwrap();
        let mut read: Vec<String> = page.value.iter().map(|m| m.id.clone()).collect();
        while let Some(token) = page.skip_token.take() {
            paged_on += 1;
            page = client.list_members(id, MAX_MEMBER_PAGE, Some(&token)).await.unwrap();
            read.extend(page.value.iter().map(|m| m.id.clone()));
        }
        let (mut read, mut expected) = (read, emulator.members_of(id));
        read.sort();
        expected.sort();
        assert_eq!(read, expected, "members of {id}");
        let mut owners: Vec<String> = first_owners.unwrap().value.iter().map(|o| o.id.clone()).collect();
        let mut expected = emulator.owners_of(id);
        owners.sort();
        expected.sort();
        assert_eq!(owners, expected, "owners of {id}");
    }
    assert!(paged_on > 0, "a group of all 1,200 users goes on past its first page");
}

#[tokio::test]
async fn mailbox_settings_come_20_users_to_a_request_as_one_by_one_reads_answer() {
    let emulator = start(EmulatorConfig { users: 30, groups: 0, ..EmulatorConfig::default() }).await;
    let (transport, config, tokens) = (Loopback::new(), config(&emulator, secret(&emulator)), TokenCache::new());
    let client = GraphClient::new(&transport, &config, &tokens);
    // Created without mail: Exchange gives it no mailbox.
    let unlicensed = json!({
        "accountEnabled": true, "displayName": "No Licence", "mailNickname": "nolicence",
        "userPrincipalName": "nolicence@contoso.onmicrosoft.com", "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"}
    });
    let unlicensed = client.create_user(&unlicensed).await.unwrap().id.unwrap();
    let ids: Vec<String> = emulator.users().iter().map(|u| u["id"].as_str().unwrap().to_string()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();

    let before = emulator.request_count();
    let batched = client.mailbox_settings_of(&ids).await;
    assert_eq!(emulator.request_count() - before, 2, "31 users: two batches");
    for (id, settings) in ids.iter().zip(batched) {
        let settings = settings.unwrap();
        assert_eq!(settings, client.get_mailbox_settings(id).await.unwrap(), "{id}");
        assert_eq!(settings.is_none(), *id == unlicensed, "{id}");
    }
}
