//! The data set of the filter benchmark: every attribute of user `i` is a function of `i`
//! alone, so the expected answer of any query can be recomputed without the database.
use std::collections::HashMap;
use std::sync::LazyLock;

use scimd::scim::resource as scim_resource;
use scimd::scim::schema::{ENTERPRISE_USER_URN, GROUP_URN, Registry, ResourceKind, USER_URN};
use scimd::scim::validate::{self, Leniency};
use scimd::store::Write;

use serde_json::{Value, json};

/// The generator's name lists, one per line in `names/` (data, not code).
fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines().filter(|l| !l.is_empty()).collect()
}

pub static GIVEN_NAMES: LazyLock<Vec<&str>> =
    LazyLock::new(|| lines(include_str!("names/given.txt")));
pub static SURNAMES: LazyLock<Vec<&str>> =
    LazyLock::new(|| lines(include_str!("names/surnames.txt")));
pub static DEPARTMENTS: LazyLock<Vec<&str>> =
    LazyLock::new(|| lines(include_str!("names/departments.txt")));

/// splitmix64: a small, good-enough mixer; no crate needed.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `stream`-th random number of item `i`.
pub fn draw(i: u64, stream: u64) -> u64 {
    mix(mix(i) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

pub fn pick(i: u64, stream: u64, n: usize) -> usize {
    (draw(i, stream) % n as u64) as usize
}

pub struct Person {
    pub given: usize,
    pub family: usize,
    pub department: usize,
    pub home_email: bool,
    pub active: bool,
}

pub fn person(i: u64) -> Person {
    Person {
        given: pick(i, 1, GIVEN_NAMES.len()),
        family: pick(i, 2, SURNAMES.len()),
        department: pick(i, 3, DEPARTMENTS.len()),
        home_email: draw(i, 4).is_multiple_of(3),
        active: !draw(i, 5).is_multiple_of(20),
    }
}

pub fn user_name(i: u64) -> String {
    format!("user{i}@example.com")
}

/// An Entra-like objectId.
pub fn external_id(i: u64, salt: u64) -> String {
    uuid::Uuid::from_u64_pair(draw(i, salt), draw(i, salt + 1)).to_string()
}

pub fn work_email(i: u64) -> String {
    let p = person(i);
    format!(
        "{}.{}.{i}@example.com",
        GIVEN_NAMES[p.given], SURNAMES[p.family]
    )
}

/// What an IdP POSTs for user `i`.
pub fn user_body(i: u64) -> Value {
    let p = person(i);
    let (given, family) = (GIVEN_NAMES[p.given], SURNAMES[p.family]);
    let mut emails = vec![json!({"value": work_email(i), "type": "work", "primary": true})];
    if p.home_email {
        let home = format!("{}{i}@mail.example.net", given.to_lowercase());
        emails.push(json!({"value": home, "type": "home"}));
    }
    json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "externalId": external_id(i, 6),
        "userName": user_name(i),
        "name": {"givenName": given, "familyName": family, "formatted": format!("{given} {family}")},
        "displayName": format!("{given} {family}"),
        "emails": emails,
        "active": p.active,
        ENTERPRISE_USER_URN: {
            "department": DEPARTMENTS[p.department],
            "employeeNumber": i.to_string(),
        },
    })
}

/// Group `g`'s members: 0–200 distinct user indices.
pub fn group_members(g: u64, users: u64) -> Vec<u64> {
    let n = (draw(g, 20) % 201).min(users) as usize;
    let mut out: Vec<u64> = Vec::with_capacity(n);
    for j in 0..(20 * n as u64 + 100) {
        if out.len() == n {
            break;
        }
        let u = draw(g * 4096 + j, 21) % users;
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// Group `g`'s displayName, unique: it ends in `g`.
pub fn group_name(g: u64) -> String {
    format!("{} {g:05}", DEPARTMENTS[pick(g, 22, DEPARTMENTS.len())])
}

pub fn group_body(g: u64, member_ids: Vec<Value>) -> Value {
    json!({
        "schemas": [GROUP_URN],
        "displayName": group_name(g),
        "externalId": external_id(g, 23),
        "members": member_ids,
    })
}

/// A request body as the server stores it (validation, split, derived columns and index).
pub fn write(kind: ResourceKind, body: &Value) -> Write {
    let rt = Registry::core().resource_type(kind);
    let data = validate::normalize(rt, body, Leniency::Lenient).expect("generated body is valid");
    let prepared = scim_resource::prepare(kind, data);
    Write {
        derived: scim_resource::derive(rt, &prepared.data).expect("derivable"),
        data: prepared.data,
        members: prepared.members,
        password_hash: None,
        member_change: None,
    }
}

/// What the data set holds, recomputed from the generator. Lists are ordered by
/// `(meta.created, id)`, and the load imports users and groups in index order with ascending
/// (v7) ids, so every list below is in the order the server pages through it.
pub struct Expected {
    /// Users per (given, family) name, ascending.
    pub names: HashMap<(usize, usize), Vec<u64>>,
    /// Users per surname.
    pub families: Vec<u64>,
    /// The first `page` users of each surname, ascending.
    pub family_firsts: Vec<Vec<u64>>,
    /// The groups each user belongs to, ascending.
    pub groups_of: Vec<Vec<u32>>,
}

/// The first three letters of a surname, as a client would send them.
pub fn prefix(family: usize) -> String {
    SURNAMES[family].chars().take(3).collect()
}

impl Expected {
    /// Users whose surname starts with `start`, compared case-insensitively: how many, and
    /// the first `page` of them.
    pub fn starting_with(&self, start: &str, page: usize) -> (u64, Vec<u64>) {
        let start = start.to_lowercase();
        let matching: Vec<usize> = (0..SURNAMES.len())
            .filter(|&f| SURNAMES[f].to_lowercase().starts_with(&start))
            .collect();
        let total = matching.iter().map(|&f| self.families[f]).sum();
        let mut first: Vec<u64> = matching
            .iter()
            .flat_map(|&f| self.family_firsts[f].iter().copied())
            .collect();
        first.sort_unstable();
        first.truncate(page);
        (total, first)
    }

    /// Users called `given family`, ascending.
    pub fn named(&self, given: usize, family: usize) -> &[u64] {
        self.names.get(&(given, family)).map_or(&[], Vec::as_slice)
    }

    pub fn compute(users: u64, groups: u64, page: usize) -> Self {
        let mut names: HashMap<(usize, usize), Vec<u64>> = HashMap::new();
        let mut families = vec![0u64; SURNAMES.len()];
        let mut family_firsts = vec![Vec::new(); SURNAMES.len()];
        for i in 0..users {
            let p = person(i);
            names.entry((p.given, p.family)).or_default().push(i);
            families[p.family] += 1;
            if family_firsts[p.family].len() < page {
                family_firsts[p.family].push(i);
            }
        }
        let mut groups_of = vec![Vec::new(); users as usize];
        for g in 0..groups {
            for u in group_members(g, users) {
                groups_of[u as usize].push(g as u32);
            }
        }
        Self {
            names,
            families,
            family_firsts,
            groups_of,
        }
    }
}
