//! Custom schema extensions registered with `scimd schema add|list|remove` while a server
//! runs on the same database: discovery, cache invalidation across processes, tenant
//! isolation, removal, and documents the CLI refuses. What the attributes do in requests is
//! in `custom_attributes`.
use std::io::Write as _;
use std::process::{Command, Output};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

pub const ACME: &str = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
pub const MERGE: &str = "urn:example:mailchimp:2.0:MergeFields";

/// Salesforce's custom fields as Acme's IdP maps them (the seeds' `Company` mapping).
pub fn acme_document() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": ACME,
        "name": "AcmeUser",
        "description": "Salesforce fields Acme provisions",
        "attributes": [
            {"name": "Company", "type": "string", "description": "Salesforce Company"},
            {"name": "CostCenter", "type": "integer"},
            {"name": "badges", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "value", "type": "string", "caseExact": true},
                {"name": "type", "type": "string", "canonicalValues": ["gold", "silver"]}
            ]},
            {"name": "hired", "type": "dateTime"},
            {"name": "badgeCount", "type": "integer", "mutability": "readOnly"},
            {"name": "pin", "type": "string", "mutability": "writeOnly"},
            {"name": "notes", "type": "string", "returned": "request"}
        ]
    })
}

/// MailChimp-style merge fields, as an extension of Group that every group must carry.
pub fn merge_document() -> Value {
    json!({
        "id": MERGE,
        "name": "MergeFields",
        "attributes": [
            {"name": "audienceId", "required": true, "caseExact": true},
            {"name": "tags", "multiValued": true}
        ]
    })
}

/// Runs the scimd binary on `app`'s database.
pub fn scimd(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(args)
        .arg("--database-url")
        .arg(&app.db.url)
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .expect("scimd runs")
}

/// `scimd schema add --tenant default FILE [extra…]` with `document` in FILE.
pub fn schema_add(app: &TestApp, document: &Value, extra: &[&str]) -> Output {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(document.to_string().as_bytes()).unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let mut args = vec!["schema", "add", "--tenant", "default", &path];
    args.extend_from_slice(extra);
    scimd(app, &args)
}

/// Registers `document` and asserts that the URN alone was printed.
pub fn register(app: &TestApp, document: &Value, extra: &[&str]) {
    let out = schema_add(app, document, extra);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!("{}\n", document["id"].as_str().unwrap())
    );
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn schema_ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn user_extensions(app: &TestApp) -> Value {
    json_ok(app.get("/ResourceTypes/User").await).await["schemaExtensions"].clone()
}

#[tokio::test]
async fn a_schema_added_by_the_cli_shows_in_discovery_on_the_next_request() {
    let app = spawn_app().await;
    let out = schema_add(&app, &acme_document(), &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out), format!("{ACME}\n"));
    // EnterpriseUser has costCenter too: the operator learns how to reach this one.
    let note = stderr(&out);
    assert!(
        note.contains("unqualified `CostCenter`")
            && note.contains(ENTERPRISE_URN)
            && note.contains(&format!("{ACME}:CostCenter")),
        "{note}"
    );

    let ids = schema_ids(&json_ok(app.get("/Schemas").await).await);
    assert_eq!(ids, [USER_URN, GROUP_URN, ENTERPRISE_URN, ACME]);
    let schema = json_ok(app.get(&format!("/Schemas/{ACME}")).await).await;
    assert_eq!(schema["name"], "AcmeUser");
    assert_eq!(
        schema["meta"]["location"],
        format!("{}/Schemas/{ACME}", app.base())
    );
    // Omitted characteristics are shown with their RFC 7643 §2.2 defaults.
    let company = &schema["attributes"][0];
    assert_eq!(company["name"], "Company");
    assert_eq!(
        (
            &company["multiValued"],
            &company["required"],
            &company["caseExact"]
        ),
        (&json!(false), &json!(false), &json!(false))
    );
    assert_eq!(
        (
            &company["mutability"],
            &company["returned"],
            &company["uniqueness"]
        ),
        (&json!("readWrite"), &json!("default"), &json!("none"))
    );
    assert_eq!(
        schema["attributes"][5]["returned"], "never",
        "writeOnly pin"
    );
    assert_eq!(
        schema["attributes"][2]["subAttributes"][1]["canonicalValues"],
        json!(["gold", "silver"])
    );
    assert_eq!(
        user_extensions(&app).await,
        json!([
            {"schema": ENTERPRISE_URN, "required": false},
            {"schema": ACME, "required": false}
        ])
    );

    let listed = stdout(&scimd(&app, &["schema", "list", "--tenant", "default"]));
    assert!(
        listed.contains(ACME) && listed.contains("default"),
        "{listed}"
    );
    assert!(
        listed.contains("User") && listed.contains(" 7 "),
        "{listed}"
    );
    let everyone = stdout(&scimd(&app, &["schema", "list"]));
    assert_eq!(
        everyone.lines().count(),
        2,
        "header and one row: {everyone}"
    );
    assert!(everyone.contains(ACME), "{everyone}");
}

#[tokio::test]
async fn a_group_extension_can_be_required_and_every_process_sees_changes_at_once() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    register(&app, &acme_document(), &[]);
    // Both processes build and cache the registry with the User extension…
    for instance in [&app, &second] {
        let list = json_ok(instance.get("/Schemas").await).await;
        assert_eq!(list["totalResults"], 4);
    }
    // …and both see the next change on their next request.
    register(
        &app,
        &merge_document(),
        &["--resource-type", "group", "--required"],
    );
    for instance in [&app, &second] {
        let group = json_ok(instance.get("/ResourceTypes/Group").await).await;
        assert_eq!(
            group["schemaExtensions"],
            json!([{"schema": MERGE, "required": true}])
        );
        assert_eq!(
            schema_ids(&json_ok(instance.get("/Schemas").await).await).len(),
            5
        );
    }
    let detail = scim_error(
        second
            .post_group(&json!({"schemas": [GROUP_URN], "displayName": "Newsletter"}))
            .await,
        400,
        Some("invalidValue"),
    )
    .await;
    assert!(
        detail.contains(MERGE) && detail.contains("required"),
        "{detail}"
    );
    let group = json_status(
        second
            .post_group(
                &json!({"schemas": [GROUP_URN, MERGE], "displayName": "Newsletter",
                                MERGE: {"audienceId": "a1b2", "tags": ["vip", "beta"]}}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(group["schemas"], json!([GROUP_URN, MERGE]));
    assert_eq!(
        group[MERGE],
        json!({"audienceId": "a1b2", "tags": ["vip", "beta"]})
    );
    let found = app.list_groups("filter=tags%20eq%20%22VIP%22").await;
    assert_eq!(found["totalResults"], 1, "{found}");

    let out = scimd(&app, &["schema", "remove", "--tenant", "default", MERGE]);
    assert!(out.status.success(), "{out:?}");
    for instance in [&app, &second] {
        let group = json_ok(instance.get("/ResourceTypes/Group").await).await;
        assert_eq!(group["schemaExtensions"], json!([]));
    }
}

#[tokio::test]
async fn another_tenant_sees_nothing_of_a_tenants_schemas() {
    let app = spawn_app().await;
    register(&app, &acme_document(), &[]);
    let token = app.token_for("other").await;
    let as_other = |method: Method, path: &str| {
        app.client
            .request(method, format!("{}{path}", app.base()))
            .bearer_auth(&token)
    };

    let list: Value = as_other(Method::GET, "/Schemas")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(schema_ids(&list), [USER_URN, GROUP_URN, ENTERPRISE_URN]);
    let r = as_other(Method::GET, &format!("/Schemas/{ACME}"))
        .send()
        .await
        .unwrap();
    scim_error(r, 404, None).await;
    let user: Value = as_other(Method::GET, "/ResourceTypes/User")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE_URN, "required": false}])
    );

    // To the other tenant the URN is an unknown extension: its values are ignored, as the
    // default leniency ignores any unknown attribute (strict mode refuses them, below).
    let r = as_other(Method::POST, "/Users")
        .json(&json!({"schemas": [USER_URN, ACME], "userName": "eve", ACME: {"Company": "Acme"}}))
        .send()
        .await
        .unwrap();
    let eve = json_status(r, StatusCode::CREATED).await;
    assert!(eve.get(ACME).is_none(), "{eve}");
    assert_eq!(eve["schemas"], json!([USER_URN]));
    let filter = format!("filter={ACME}:Company%20eq%20%22Acme%22");
    let r = as_other(Method::GET, &format!("/Users?{filter}"))
        .send()
        .await
        .unwrap();
    let detail = scim_error(r, 400, Some("invalidFilter")).await;
    assert!(detail.contains("Company"), "{detail}");
    // The owning tenant finds nothing of eve's either.
    assert_eq!(app.list_users(&filter).await["totalResults"], 0);
}

#[tokio::test]
async fn in_strict_mode_another_tenants_extension_is_refused() {
    let app = spawn_app_with(|s| s.api.leniency = scimd::scim::validate::Leniency::Strict).await;
    let tenant = app.store.tenants().create("owner").await.unwrap();
    let schema = scimd::scim::schema::custom::parse(&acme_document()).unwrap();
    app.store
        .schemas()
        .add(
            &tenant,
            &schema,
            scimd::scim::schema::ResourceKind::User,
            false,
        )
        .await
        .unwrap();
    let r = app
        .post_user(
            &json!({"schemas": [USER_URN, ACME], "userName": "eve", ACME: {"Company": "Acme"}}),
        )
        .await;
    let detail = scim_error(r, 400, Some("invalidValue")).await;
    assert!(detail.contains(ACME), "{detail}");
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

#[tokio::test]
async fn removing_a_schema_deletes_its_values_and_moves_the_etag() {
    let app = spawn_app().await;
    register(&app, &acme_document(), &[]);
    let body = json!({"schemas": [USER_URN, ACME], "userName": "bjensen",
                      ACME: {"Company": "Acme", "CostCenter": 42}});
    let created = json_status(app.post_user(&body).await, StatusCode::CREATED).await;
    let id = id_of(created.clone());
    app.create_user("plain").await;

    let out = scimd(
        &app,
        &[
            "schema",
            "remove",
            "--tenant",
            "default",
            &ACME.to_lowercase(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        format!("removed {ACME} (values deleted from 1 resources)\n")
    );
    let user = json_ok(app.get_user(&id).await).await;
    assert!(user.get(ACME).is_none(), "{user}");
    assert_eq!(user["schemas"], json!([USER_URN]));
    assert_ne!(user["meta"]["version"], created["meta"]["version"]);
    let r = app.get(&format!("/Users?filter={ACME}:Company%20pr")).await;
    scim_error(r, 400, Some("invalidFilter")).await;
    assert_eq!(user_extensions(&app).await.as_array().unwrap().len(), 1);

    // Registered again, it starts empty: the old values are gone, not hidden.
    register(&app, &acme_document(), &[]);
    let user = json_ok(app.get_user(&id).await).await;
    assert!(user.get(ACME).is_none(), "{user}");
    let list = app.list_users(&format!("filter={ACME}:Company%20pr")).await;
    assert_eq!(list["totalResults"], 0);

    let out = scimd(
        &app,
        &[
            "schema",
            "remove",
            "--tenant",
            "default",
            "urn:example:none",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("has no schema"), "{}", stderr(&out));
}

#[tokio::test]
async fn invalid_documents_are_refused_by_the_cli_with_a_one_line_reason() {
    let app = spawn_app().await;
    let mut clashing = acme_document();
    clashing["id"] = json!(ENTERPRISE_URN);
    let mut bad_type = acme_document();
    bad_type["attributes"][1]["type"] = json!("number");
    let mut unique = acme_document();
    unique["attributes"][0]["uniqueness"] = json!("server");
    let mut nested = acme_document();
    nested["attributes"][2]["subAttributes"][0] =
        json!({"name": "inner", "type": "complex", "subAttributes": [{"name": "x"}]});
    let mut bad_name = acme_document();
    bad_name["attributes"][0]["name"] = json!("Cost Center");
    let mut bad_urn = acme_document();
    bad_urn["id"] = json!("acme:User");
    let cases = [
        (clashing, "built into scimd"),
        (bad_type, "unknown type \"number\""),
        (unique, "uniqueness \"server\" is not supported"),
        (nested, "one level only"),
        (bad_name, "ATTRNAME"),
        (bad_urn, "is not a URN"),
        (json!({"id": ACME}), "needs `attributes`"),
    ];
    for (document, reason) in cases {
        let out = schema_add(&app, &document, &[]);
        assert!(!out.status.success(), "{reason}: {out:?}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains(reason), "{reason}: {err}");
        assert!(out.stdout.is_empty());
    }

    register(&app, &acme_document(), &[]);
    let mut same_urn_other_case = merge_document();
    same_urn_other_case["id"] = json!(ACME.to_uppercase().replacen("URN", "urn", 1));
    let out = schema_add(&app, &same_urn_other_case, &[]);
    assert!(stderr(&out).contains("already registered"), "{out:?}");
    let mut overlapping = merge_document();
    overlapping["id"] = json!(format!("{ACME}:Badges"));
    let out = schema_add(&app, &overlapping, &[]);
    assert!(stderr(&out).contains("overlaps"), "{out:?}");
    let out = schema_add(&app, &merge_document(), &["--resource-type", "Device"]);
    assert!(stderr(&out).contains("not User or Group"), "{out:?}");
    let out = scimd(
        &app,
        &["schema", "add", "--tenant", "nobody", "/no/such/file.json"],
    );
    assert!(
        stderr(&out).contains("cannot read /no/such/file.json"),
        "{out:?}"
    );
    let out = scimd(&app, &["schema", "list", "--tenant", "nobody"]);
    assert!(stderr(&out).contains("no tenant \"nobody\""), "{out:?}");

    // Nothing but the one good document was registered.
    assert_eq!(user_extensions(&app).await.as_array().unwrap().len(), 2);
    assert_eq!(json_ok(app.get("/Schemas").await).await["totalResults"], 4);
}
