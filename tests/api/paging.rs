use serde_json::Value;

use crate::helpers::*;

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_follow_one_stable_order() {
    let app = spawn_app().await;
    for i in 0..7 {
        app.create_user(&format!("user{i}")).await;
    }
    let all = app.list_users("").await;
    assert_eq!(all["totalResults"], 7);
    assert_eq!(all["itemsPerPage"], 7);
    assert_eq!(all["startIndex"], 1);
    assert_eq!(
        all["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let all = ids(&all);
    let mut paged = Vec::new();
    for start in [1, 4, 7] {
        let page = app.list_users(&format!("startIndex={start}&count=3")).await;
        assert_eq!(page["startIndex"], start);
        assert_eq!(page["totalResults"], 7);
        paged.extend(ids(&page));
    }
    assert_eq!(paged, all);
}

#[tokio::test]
async fn count_zero_gives_the_total_only() {
    let app = spawn_app().await;
    app.create_user("a").await;
    app.create_user("b").await;
    let page = app.list_users("count=0").await;
    assert_eq!(page["totalResults"], 2);
    assert_eq!(page["itemsPerPage"], 0);
    assert_eq!(page["Resources"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn start_index_below_one_means_one_and_past_the_end_is_empty() {
    let app = spawn_app().await;
    app.create_user("a").await;
    let page = app.list_users("startIndex=0").await;
    assert_eq!(page["startIndex"], 1);
    assert_eq!(page["itemsPerPage"], 1);
    let page = app.list_users("startIndex=5&count=10").await;
    assert_eq!(page["totalResults"], 1);
    assert_eq!(page["itemsPerPage"], 0);
}

#[tokio::test]
async fn count_is_capped_by_max_results() {
    let app = spawn_app_with(|s| s.api.max_results = 2).await;
    for name in ["a", "b", "c"] {
        app.create_user(name).await;
    }
    let page = app.list_users("count=50").await;
    assert_eq!(page["itemsPerPage"], 2);
    assert_eq!(page["totalResults"], 3);
}

#[tokio::test]
async fn an_empty_tenant_lists_nothing_with_200() {
    let app = spawn_app().await;
    let page = app.list_users("startIndex=1&count=100").await;
    assert_eq!(page["totalResults"], 0);
    assert_eq!(page["Resources"], serde_json::json!([]));
    assert_eq!(app.list_groups("").await["totalResults"], 0);
}

#[tokio::test]
async fn a_non_integer_start_index_is_400() {
    let app = spawn_app().await;
    let detail = scim_error(
        app.get("/Users?startIndex=abc").await,
        400,
        Some("invalidValue"),
    )
    .await;
    assert!(detail.contains("startIndex"), "{detail}");
}

#[tokio::test]
async fn unknown_query_parameters_are_ignored() {
    let app = spawn_app().await;
    app.create_user("a").await;
    let page = app
        .list_users("aadOptscim062020&startIndex=1&count=10")
        .await;
    assert_eq!(page["totalResults"], 1);
}
