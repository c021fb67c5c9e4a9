//! The queries the benchmark measures, each with the exact answer the generator implies.
use std::sync::Arc;

use super::people::*;
use super::*;

/// One request and what its answer must be.
pub struct Probe {
    pub url: Url,
    pub total: u64,
    /// The attribute that names each returned resource: `userName` or `displayName`.
    pub key: &'static str,
    /// What `key` must be in each returned resource, in order: the page is exactly these.
    pub expected: Vec<String>,
}

/// Users `indices` (generator indices), by userName.
pub fn user_names(indices: impl IntoIterator<Item = u64>) -> Vec<String> {
    indices.into_iter().map(user_name).collect()
}

pub type MakeProbe = Arc<dyn Fn(u64) -> Probe + Send + Sync>;

pub struct Case {
    pub name: String,
    pub make: MakeProbe,
}

/// Ids of the users `pool` names, looked up once over HTTP (not timed).
pub async fn user_ids(client: &Client, pool: &[u64]) -> Vec<String> {
    let mut ids = Vec::with_capacity(pool.len());
    for &i in pool {
        let filter = format!("userName eq \"{}\"", user_name(i));
        let url = client.url(
            "/Users",
            &[("filter", &filter), ("attributes", "id,userName")],
        );
        let body = client.json(url).await;
        assert_eq!(body["totalResults"], 1, "{filter}");
        let found = &body["Resources"][0];
        assert_eq!(found["userName"], user_name(i), "{filter}");
        ids.push(found["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// The queries of the issue, each with its expected answer.
pub async fn cases(client: &Arc<Client>, args: &Args, expected: Arc<Expected>) -> Vec<Case> {
    let users = args.users;
    let total_requests = WARM_UP + args.requests + args.throughput_requests;
    let user = move |k: u64, stream: u64| draw(k, stream) % users;
    let c = client.clone();
    // A filter that only user `i` matches.
    let one = move |filter: String, i: u64| Probe {
        url: c.url("/Users", &[("filter", &filter)]),
        total: 1,
        key: "userName",
        expected: vec![user_name(i)],
    };
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |name: &str, make: MakeProbe| {
        cases.push(Case {
            name: name.to_owned(),
            make,
        })
    };

    let probe = one.clone();
    add(
        "`userName eq`",
        Arc::new(move |k| {
            let i = user(k, 100);
            probe(format!("userName eq \"{}\"", user_name(i)), i)
        }),
    );
    let probe = one.clone();
    add(
        "`externalId eq`",
        Arc::new(move |k| {
            let i = user(k, 101);
            probe(format!("externalId eq \"{}\"", external_id(i, 6)), i)
        }),
    );
    let probe = one;
    add(
        "`emails[type eq \"work\"].value eq`",
        Arc::new(move |k| {
            let i = user(k, 102);
            let filter = format!("emails[type eq \"work\"].value eq \"{}\"", work_email(i));
            probe(filter, i)
        }),
    );

    let (c, e) = (client.clone(), expected.clone());
    add(
        "`name.familyName sw` (3 letters), count=100",
        Arc::new(move |k| {
            let family = person(user(k, 103)).family;
            let start = prefix(family);
            let (total, first) = e.starting_with(&start, PAGE as usize);
            let filter = format!("name.familyName sw \"{start}\"");
            Probe {
                url: c.url("/Users", &[("filter", &filter), ("count", "100")]),
                total,
                key: "userName",
                expected: user_names(first),
            }
        }),
    );

    let (c, e) = (client.clone(), expected.clone());
    add(
        "`userName eq A or (name.familyName eq F and name.givenName eq G)`, count=100",
        Arc::new(move |k| {
            let (a, b) = (user(k, 104), person(user(k, 105)));
            let filter = format!(
                "userName eq \"{}\" or (name.familyName eq \"{}\" and name.givenName eq \"{}\")",
                user_name(a),
                SURNAMES[b.family],
                GIVEN_NAMES[b.given]
            );
            let mut matching = e.named(b.given, b.family).to_vec();
            if let Err(at) = matching.binary_search(&a) {
                matching.insert(at, a);
            }
            let total = matching.len() as u64;
            matching.truncate(PAGE as usize);
            Probe {
                url: c.url("/Users", &[("filter", &filter), ("count", "100")]),
                total,
                key: "userName",
                expected: user_names(matching),
            }
        }),
    );

    // Users that belong to at least one group, found through random groups.
    let pool: Vec<u64> = (0..total_requests)
        .map(|k| {
            (0..1_000)
                .map(|j| group_members(draw(k * 1_000 + j, 106) % args.groups.max(1), users))
                .find(|m| !m.is_empty())
                .map(|m| m[pick(k, 107, m.len())])
                .expect("some group has members")
        })
        .collect();
    let ids = Arc::new(user_ids(client, &pool).await);
    let c = client.clone();
    add(
        "`GET /Groups?filter=members[value eq \"…\"]`, excludedAttributes=members",
        Arc::new(move |k| {
            let filter = format!("members[value eq \"{}\"]", ids[k as usize]);
            let groups = &expected.groups_of[pool[k as usize] as usize];
            Probe {
                url: c.url(
                    "/Groups",
                    &[("filter", &filter), ("excludedAttributes", "members")],
                ),
                total: groups.len() as u64,
                key: "displayName",
                expected: groups.iter().map(|&g| group_name(g.into())).collect(),
            }
        }),
    );

    // Paging, no filter: first and deep pages by index and by cursor. Users come back in the
    // order they were loaded, so page rows are generator indices.
    let deep = (users * 9 / 10).max(2);
    let first_page = user_names(0..PAGE.min(users));
    let deep_page = user_names(deep - 1..(deep - 1 + PAGE).min(users));
    let before = client
        .json(client.url(
            "/Users",
            &[
                ("startIndex", &(deep - 1).to_string()),
                ("count", "1"),
                ("attributes", "meta,userName"),
            ],
        ))
        .await;
    let row = &before["Resources"][0];
    assert_eq!(row["userName"], user_name(deep - 2), "row {}", deep - 1);
    let created = chrono::DateTime::parse_from_rfc3339(row["meta"]["created"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let cursor = Cursor::After {
        created,
        id: scimd::scim::id::ResourceId::parse(row["id"].as_str().unwrap()).unwrap(),
    }
    .encode();
    let paging = [
        (
            "first page, `startIndex=1&count=100`".to_owned(),
            vec![("startIndex", "1".to_owned())],
            first_page.clone(),
        ),
        (
            format!("deep page, `startIndex={deep}&count=100`"),
            vec![("startIndex", deep.to_string())],
            deep_page.clone(),
        ),
        (
            "first cursor page, `cursor=&count=100`".to_owned(),
            vec![("cursor", String::new())],
            first_page,
        ),
        (
            format!("deep cursor page (after row {})", deep - 1),
            vec![("cursor", cursor)],
            deep_page,
        ),
    ];
    for (name, params, page) in paging {
        let c = client.clone();
        add(
            &name,
            Arc::new(move |_| {
                let mut all: Vec<(&str, &str)> =
                    params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                all.push(("count", "100"));
                Probe {
                    url: c.url("/Users", &all),
                    total: users,
                    key: "userName",
                    expected: page.clone(),
                }
            }),
        );
    }
    cases
}
