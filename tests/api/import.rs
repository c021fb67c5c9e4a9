use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::cli::stdout;
use crate::helpers::*;

const WORK_EMAIL: &str = r#""emails[type eq ""work""].value""#;

/// Runs `scimd import --tenant default FILE ARGS…` on the app's database.
fn import(app: &TestApp, file: &Input, args: &[&str]) -> Output {
    let path = file.path.to_str().unwrap();
    crate::cli::scimd(
        &app.db,
        &[&["import", "--tenant", "default", path], args].concat(),
    )
}

/// A file the import reads, in a directory of its own.
struct Input {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

fn file(name: &str, text: &str) -> Input {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    Input { path, _dir: dir }
}

fn rewrite(file: &Input, text: &str) {
    std::fs::write(&file.path, text).unwrap();
}

/// The summary line for `what` ("users", "groups", "total").
fn counts(out: &Output, what: &str) -> String {
    let text = stdout(out);
    let prefix = format!("{what}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {what} line in {text:?}; stderr: {:?}", stderr(out)))
        .trim()
        .to_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The one user called `user_name`.
async fn user(app: &TestApp, user_name: &str) -> Value {
    let list = app
        .list_users(&format!("filter=userName%20eq%20%22{user_name}%22"))
        .await;
    assert_eq!(list["totalResults"], 1, "{user_name}: {list}");
    list["Resources"][0].clone()
}

/// Every user and group as the API shows them (ids, versions, timestamps, members).
async fn everything(app: &TestApp) -> (Value, Value) {
    let users = app.list_users("count=1000&sortBy=userName").await;
    let groups = app.list_groups("count=1000&sortBy=displayName").await;
    (users["Resources"].clone(), groups["Resources"].clone())
}

fn users_csv() -> String {
    format!(
        "userName,name.givenName,{WORK_EMAIL},department,active,externalId\n\
         bjensen,Barbara,bjensen@example.com,Tour Operations,true,E1\n\
         jsmith,John,jsmith@example.com,R&D,maybe,E2\n\
         \"asmith\",\"Anna, Maria\",,R&D,FALSE,\n\
         bjensen,Again,,,,\n\
         ,Nobody,,,,\n"
    )
}

#[tokio::test]
async fn csv_imports_the_good_rows_and_reports_the_bad_ones_by_line() {
    let app = spawn_app().await;
    let input = file("users.csv", &users_csv());
    let out = import(&app, &input, &[]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(
        counts(&out, "users"),
        "created 2, updated 0, unchanged 0, failed 3"
    );
    let text = stdout(&out);
    for expected in [
        "line 3 (User): `active` must be a boolean (true or false), got \"maybe\"",
        "line 5 (User): the same userName as line 2",
        "line 6 (User): `userName` is required",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(stderr(&out).contains("3 of 5 records failed"), "{out:?}");

    let babs = user(&app, "bjensen").await;
    assert_eq!(babs["name"]["givenName"], "Barbara");
    assert_eq!(babs["externalId"], "E1");
    assert_eq!(babs["active"], true);
    assert_eq!(
        babs["emails"],
        json!([{"type": "work", "value": "bjensen@example.com"}])
    );
    assert_eq!(babs[ENTERPRISE_URN]["department"], "Tour Operations");
    let anna = user(&app, "asmith").await;
    assert_eq!(anna["name"]["givenName"], "Anna, Maria");
    assert_eq!(anna["active"], false);
    assert!(anna.get("emails").is_none(), "{anna}");
    assert_eq!(app.list_users("").await["totalResults"], 2);
}

#[tokio::test]
async fn a_rerun_changes_nothing_and_a_changed_cell_updates_only_its_user() {
    let app = spawn_app().await;
    let input = file("users.csv", &users_csv().replace("maybe", "true"));
    let first = import(&app, &input, &[]);
    assert_eq!(
        counts(&first, "users"),
        "created 3, updated 0, unchanged 0, failed 2"
    );
    let before = everything(&app).await;

    let again = import(&app, &input, &[]);
    assert_eq!(
        counts(&again, "users"),
        "created 0, updated 0, unchanged 3, failed 2"
    );
    assert_eq!(
        everything(&app).await,
        before,
        "unchanged rows are not written"
    );

    rewrite(
        &input,
        &users_csv()
            .replace("maybe", "true")
            .replace("R&D,true", "Sales,true"),
    );
    let changed = import(&app, &input, &[]);
    assert_eq!(
        counts(&changed, "users"),
        "created 0, updated 1, unchanged 2, failed 2"
    );
    let john = user(&app, "jsmith").await;
    assert_eq!(john[ENTERPRISE_URN]["department"], "Sales");
    assert_eq!(john["meta"]["version"], "W/\"2\"");
    assert_eq!(user(&app, "asmith").await["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn a_row_changes_only_its_columns_of_a_user_an_idp_wrote() {
    let app = spawn_app().await;
    let created = app
        .post_user(&json!({
            "schemas": [USER_URN],
            "userName": "bjensen",
            "externalId": "E1",
            "title": "Tour Guide",
            "name": {"givenName": "Babs", "familyName": "Jensen"},
        }))
        .await;
    let id = id_of(json_status(created, reqwest::StatusCode::CREATED).await);
    let input = file(
        "users.csv",
        "externalId,userName,name.givenName\nE1,barbara.jensen,Barbara\n",
    );
    let out = import(&app, &input, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        counts(&out, "users"),
        "created 0, updated 1, unchanged 0, failed 0"
    );
    // Matched by externalId: the same user, the id the IdP knows, renamed.
    let updated = json_ok(app.get_user(&id).await).await;
    assert_eq!(updated["userName"], "barbara.jensen");
    assert_eq!(
        updated["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen"})
    );
    assert_eq!(updated["title"], "Tour Guide");
    assert_eq!(app.list_users("").await["totalResults"], 1);

    // A userName whose user has another externalId is two accounts: never merged.
    let clash = file("clash.csv", "userName,externalId\nbarbara.jensen,E9\n");
    let out = import(&app, &clash, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains(
            r#"userName "barbara.jensen" belongs to a User with externalId "E1", not "E9""#
        ),
        "{out:?}"
    );
    assert_eq!(app.list_users("").await["totalResults"], 1);
}

fn directory_jsonl() -> String {
    [
        json!({"schemas": [USER_URN], "userName": "bjensen", "externalId": "E1",
               "emails": [{"value": "bjensen@example.com", "type": "work"}]}),
        json!({"schemas": [GROUP_URN], "displayName": "Staff",
               "members": [{"value": "BJENSEN"}, {"value": "E2"}, {"value": "admins", "type": "Group"}]}),
        json!({"schemas": [USER_URN, ENTERPRISE_URN], "userName": "jsmith", "externalId": "E2",
               ENTERPRISE_URN: {"department": "R&D"}}),
        json!({"schemas": [GROUP_URN], "displayName": "Admins", "members": [{"value": "jsmith"}]}),
        json!({"schemas": [GROUP_URN], "displayName": "Broken", "members": [{"value": "nobody"}]}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect()
}

#[tokio::test]
async fn json_lines_users_and_groups_with_members_named_by_user_name() {
    let app = spawn_app().await;
    let existing = app.create_user("carol");
    let existing = existing.await;
    let text = directory_jsonl().replace("{\"value\":\"nobody\"}", "{\"value\":\"Carol\"}");
    let input = file("directory.jsonl", &text);
    let out = import(&app, &input, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        counts(&out, "users"),
        "created 2, updated 0, unchanged 0, failed 0"
    );
    assert_eq!(
        counts(&out, "groups"),
        "created 3, updated 0, unchanged 0, failed 0"
    );
    let groups = app.list_groups("sortBy=displayName").await;
    let members = |name: &str| {
        let group = groups["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["displayName"] == name)
            .unwrap_or_else(|| panic!("{name} in {groups}"));
        let mut shown: Vec<String> = group["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}:{}",
                    m["type"].as_str().unwrap(),
                    m["display"].as_str().unwrap()
                )
            })
            .collect();
        shown.sort();
        shown
    };
    assert_eq!(
        members("Staff"),
        ["Group:Admins", "User:bjensen", "User:jsmith"]
    );
    assert_eq!(members("Admins"), ["User:jsmith"]);
    assert_eq!(members("Broken"), ["User:carol"]);
    let carol = json_ok(app.get_user(&existing).await).await;
    assert_eq!(carol["groups"][0]["display"], "Broken");

    let again = import(&app, &input, &[]);
    assert_eq!(
        counts(&again, "total"),
        "created 0, updated 0, unchanged 5, failed 0"
    );
}

#[tokio::test]
async fn a_group_whose_member_names_nothing_fails_alone_and_stdin_reads_the_file() {
    let app = spawn_app().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimd"))
        .args(["import", "--tenant", "default", "-", "--format", "jsonl"])
        .arg("--database-url")
        .arg(&app.db.url)
        .env_remove("SCIMD_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let text = format!("{}not json\n", directory_jsonl());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(
        counts(&out, "groups"),
        "created 2, updated 0, unchanged 0, failed 1"
    );
    assert_eq!(
        counts(&out, "total"),
        "created 4, updated 0, unchanged 0, failed 2"
    );
    let text = stdout(&out);
    assert!(
        text.contains(r#"line 5 (Group): member "nobody" is no User or Group"#),
        "{text}"
    );
    assert!(text.contains("line 6: not JSON"), "{text}");
    assert_eq!(names(&app.list_groups("").await), ["Admins", "Staff"]);
}

#[tokio::test]
async fn a_list_response_file_imports_its_resources_and_members_by_the_ids_it_gave() {
    let app = spawn_app().await;
    // Another server's export: its ids, which mean nothing here, link the group to its users.
    let exported = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 3,
        "Resources": [
            {"schemas": [USER_URN], "id": "2819c223-7f76-453a-919d-413861904646",
             "userName": "bjensen", "externalId": "bjensen",
             "meta": {"resourceType": "User", "version": "W/\"3\""}},
            {"id": "u-2", "meta": {"resourceType": "User"}, "userName": "jsmith",
             "active": "True"},
            {"schemas": [GROUP_URN], "id": "g-1", "displayName": "Tour Guides",
             "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs"},
                         {"value": "u-2"}]},
        ],
    });
    let input = file(
        "export.json",
        &serde_json::to_string_pretty(&exported).unwrap(),
    );
    let out = import(&app, &input, &[]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        counts(&out, "total"),
        "created 3, updated 0, unchanged 0, failed 0"
    );
    let babs = user(&app, "bjensen").await;
    assert_ne!(
        babs["id"], "2819c223-7f76-453a-919d-413861904646",
        "ids are scimd's"
    );
    assert_eq!(babs["meta"]["version"], "W/\"1\"");
    assert_eq!(user(&app, "jsmith").await["active"], true);
    let group = &app.list_groups("").await["Resources"][0];
    let mut members: Vec<&str> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display"].as_str().unwrap())
        .collect();
    members.sort();
    assert_eq!(members, ["Babs", "jsmith"]);

    // A resource that fails is reported by the line it starts on.
    let mut broken = exported.clone();
    broken["Resources"][1]["active"] = json!("sometimes");
    rewrite(&input, &serde_json::to_string_pretty(&broken).unwrap());
    let out = import(&app, &input, &[]);
    assert_eq!(out.status.code(), Some(3));
    let text = serde_json::to_string_pretty(&broken).unwrap();
    let line = text.lines().position(|l| l.contains("\"u-2\"")).unwrap();
    // The resource's `{` is the line before its first attribute.
    assert!(
        stdout(&out).contains(&format!("line {line} (User): `active` must be a boolean")),
        "{line}: {out:?}"
    );
}

#[tokio::test]
async fn a_dry_run_reports_the_same_and_writes_nothing() {
    let app = spawn_app().await;
    app.create_user("jsmith").await;
    let input = file("directory.jsonl", &directory_jsonl());
    let before = everything(&app).await;
    let out = import(&app, &input, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let text = stdout(&out);
    assert!(text.starts_with("dry run: nothing was written"), "{text}");
    assert_eq!(
        counts(&out, "users"),
        "created 1, updated 1, unchanged 0, failed 0"
    );
    assert_eq!(
        counts(&out, "groups"),
        "created 2, updated 0, unchanged 0, failed 1"
    );
    assert!(stderr(&out).contains("would fail"), "{out:?}");
    assert_eq!(everything(&app).await, before);

    // The real run does what the dry run said.
    let real = import(&app, &input, &[]);
    assert_eq!(
        stdout(&real),
        text.replacen(
            "dry run: nothing was written; an import would do this:\n",
            "",
            1
        )
    );
    assert_ne!(everything(&app).await, before);
}

#[tokio::test]
async fn an_unknown_header_is_refused_before_anything_is_written() {
    let app = spawn_app().await;
    let input = file(
        "users.csv",
        &format!("userName,{WORK_EMAIL},emial\nbjensen,b@example.com,x\n"),
    );
    let out = import(&app, &input, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("column 3 (`emial`): no attribute `emial` in User; nothing was imported"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "{out:?}");
    assert_eq!(app.list_users("").await["totalResults"], 0);
}

#[tokio::test]
async fn a_missing_database_or_tenant_is_a_clear_error() {
    let app = spawn_app().await;
    let input = file("users.csv", "userName\na\n");
    let path = input.path.to_str().unwrap();
    let out = crate::cli::scimd(&app.db, &["import", "--tenant", "nobody", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no tenant \"nobody\""), "{out:?}");
    if !app.db.is_postgres() {
        let dir = tempfile::tempdir().unwrap();
        let missing = format!("sqlite://{}?mode=rwc", dir.path().join("typo.db").display());
        let out = Command::new(env!("CARGO_BIN_EXE_scimd"))
            .args([
                "import",
                "--tenant",
                "default",
                path,
                "--database-url",
                &missing,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("no database at"), "{out:?}");
        assert!(!dir.path().join("typo.db").exists());
    }
}

#[tokio::test]
async fn an_update_to_a_taken_user_name_fails_alone() {
    let app = spawn_app().await;
    let input = file(
        "users.csv",
        "userName,externalId,title\na,E1,x\nb,E2,x\nc,E3,x\nd,E4,x\n",
    );
    assert!(import(&app, &input, &[]).status.success());
    // Line 2 renames a to the name of d, which the file leaves alone; b and c change titles.
    rewrite(
        &input,
        "userName,externalId,title\nD,E1,y\nb,E2,y\nc,E3,y\n",
    );
    let out = import(&app, &input, &[]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(
        counts(&out, "users"),
        "created 0, updated 2, unchanged 0, failed 1"
    );
    assert!(
        stdout(&out).contains(r#"line 2 (User): userName "D" is taken by another User"#),
        "{out:?}"
    );
    assert_eq!(user(&app, "a").await["title"], "x");
    assert_eq!(user(&app, "c").await["title"], "y");
}
