//! One batch of records of one type: prepared (canonical data), matched against the tenant
//! (externalId when the record has one, else userName / displayName), compared, written.
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::candidate::{Candidate, prepare, same_members, updated};
use super::members::{self, Directory, Ref};
use super::progress::Progress;
use super::read::Record;
use super::summary::{Failure, Summary};
use crate::scim::id::ResourceId;
use crate::scim::import::Header;
use crate::scim::resource::{self, MemberInput, Resource};
use crate::scim::schema::{Registry, ResourceKind, ResourceType};
use crate::store::{Lookup, Origin, Resources, Store, StoreError, TenantId, Write};

pub(super) struct Importer<'a> {
    store: &'a Store,
    tenant: TenantId,
    registry: &'a Registry,
    /// The events' actor: `import`.
    origin: std::sync::Arc<Origin>,
    header: Option<&'a Header>,
    dry_run: bool,
    /// Whether groups follow, whose members may name this import's resources.
    groups_follow: bool,
    pub summary: Summary,
    progress: Progress,
    /// The first line of each (type, lower-cased name) and (type, externalId) of the file.
    names: HashMap<(ResourceKind, String), u64>,
    external_ids: HashMap<(ResourceKind, String), u64>,
    /// The line each stored resource was matched by: one line per resource.
    claimed: HashMap<String, u64>,
    /// The file's resources by their ids here, by the ids the file gave them, externalIds
    /// and names: what group members may name.
    file: Directory,
    /// New resources whose line failed: a member naming one fails too.
    failed: HashMap<String, u64>,
}

enum Target {
    New(ResourceId),
    Existing(Box<Resource>),
}

struct Matched<'r> {
    candidate: Candidate<'r>,
    target: Target,
}

/// What a record comes to, before anything is written.
enum Plan<'r> {
    Create(&'r Candidate<'r>, ResourceId, Box<Write>),
    Update(&'r Candidate<'r>, String),
    Unchanged,
}

impl<'a> Importer<'a> {
    pub fn new(
        store: &'a Store,
        tenant: TenantId,
        registry: &'a Registry,
        header: Option<&'a Header>,
        dry_run: bool,
        groups_follow: bool,
        total: u64,
    ) -> Self {
        Self {
            store,
            tenant,
            registry,
            origin: std::sync::Arc::new(Origin::named("import")),
            header,
            dry_run,
            groups_follow,
            summary: Summary::default(),
            progress: Progress::new(total),
            names: HashMap::new(),
            external_ids: HashMap::new(),
            claimed: HashMap::new(),
            file: Directory::default(),
            failed: HashMap::new(),
        }
    }

    pub fn finish(self) -> Summary {
        self.progress.finish();
        self.summary
    }

    fn resources(&self, kind: ResourceKind) -> Resources<'a> {
        self.store
            .tenant(self.tenant)
            .resources(kind)
            .origin(std::sync::Arc::clone(&self.origin))
    }

    fn fail(&mut self, record: &Record, reason: impl Into<String>) {
        self.summary.fail(Failure {
            line: record.line,
            kind: Some(record.kind),
            reason: reason.into(),
        });
    }

    /// Imports `records`, all of type `kind`.
    pub async fn batch(&mut self, kind: ResourceKind, records: &[&Record]) -> anyhow::Result<()> {
        let rt = self.registry.resource_type(kind);
        let mut candidates = Vec::with_capacity(records.len());
        for record in records {
            match prepare(self.header, rt, record) {
                Ok(c) => candidates.push(c),
                Err(reason) => self.fail(record, reason),
            }
        }
        let candidates = self.first_in_file(kind, candidates);
        let mut matched = self.match_stored(kind, candidates).await?;
        if kind == ResourceKind::Group {
            matched = self.resolve_members(matched).await?;
        }
        let mut plans = Vec::with_capacity(matched.len());
        for m in &matched {
            match self.plan(rt, m) {
                Ok(plan) => plans.push(plan),
                Err(reason) => {
                    if let Target::New(id) = &m.target {
                        self.failed
                            .insert(id.as_str().to_owned(), m.candidate.record.line);
                    }
                    self.fail(m.candidate.record, reason);
                }
            }
        }
        self.write(rt, plans).await;
        self.progress.advance(records.len() as u64, &self.summary);
        Ok(())
    }

    /// The record's canonical data and keys, or why it has none.
    /// Drops (as failed) a record whose name or externalId an earlier line of the file has.
    fn first_in_file<'r>(
        &mut self,
        kind: ResourceKind,
        candidates: Vec<Candidate<'r>>,
    ) -> Vec<Candidate<'r>> {
        let attribute = resource::unique_name(kind);
        let mut kept = Vec::with_capacity(candidates.len());
        for c in candidates {
            let name = (kind, c.name_ci.clone());
            let external = c.external_id.clone().map(|e| (kind, e));
            let earlier = match (&external, self.names.get(&name)) {
                (_, Some(line)) => Some(format!("the same {attribute} as line {line}")),
                (Some(e), None) => self
                    .external_ids
                    .get(e)
                    .map(|line| format!("the same externalId as line {line}")),
                (None, None) => None,
            };
            if let Some(reason) = earlier {
                self.fail(c.record, reason);
                continue;
            }
            self.names.insert(name, c.record.line);
            if let Some(e) = external {
                self.external_ids.insert(e, c.record.line);
            }
            kept.push(c);
        }
        kept
    }

    /// Finds the stored resource each candidate is, if any: by externalId when it has one,
    /// else (or when no resource has that externalId) by name. A name whose resource has
    /// another externalId is a failure, not a match: two accounts are never merged.
    async fn match_stored<'r>(
        &mut self,
        kind: ResourceKind,
        candidates: Vec<Candidate<'r>>,
    ) -> anyhow::Result<Vec<Matched<'r>>> {
        let lookup = Lookup {
            ids: Vec::new(),
            names: candidates.iter().map(|c| c.name_ci.clone()).collect(),
            external_ids: candidates
                .iter()
                .filter_map(|c| c.external_id.clone())
                .collect(),
        };
        let stored = self
            .resources(kind)
            .memberships(kind == ResourceKind::Group)
            .find(&lookup)
            .await?;
        let mut by_name: HashMap<String, &Resource> = HashMap::new();
        let mut by_external_id: HashMap<&str, Vec<&Resource>> = HashMap::new();
        for r in &stored {
            let columns = resource::columns(kind, &r.data)?;
            by_name.insert(columns.name_ci, r);
            if let Some(e) = r.data.get("externalId").and_then(Value::as_str) {
                by_external_id.entry(e).or_default().push(r);
            }
        }
        let attribute = resource::unique_name(kind);
        let mut matched = Vec::with_capacity(candidates.len());
        for c in candidates {
            let by_external = c
                .external_id
                .as_deref()
                .and_then(|e| by_external_id.get(e))
                .map_or(&[][..], Vec::as_slice);
            let found: Result<Option<&Resource>, String> = match by_external {
                [one] => Ok(Some(*one)),
                [] => match by_name.get(&c.name_ci) {
                    Some(r) => match (&c.external_id, r.data.get("externalId")) {
                        (Some(mine), Some(Value::String(theirs))) if mine != theirs => {
                            Err(format!(
                                "{attribute} {:?} belongs to a {} with externalId {theirs:?}, \
                                 not {mine:?}",
                                c.name,
                                kind.as_str()
                            ))
                        }
                        _ => Ok(Some(*r)),
                    },
                    None => Ok(None),
                },
                many => Err(format!(
                    "{} {}s have externalId {:?}; match them by {attribute} instead",
                    many.len(),
                    kind.as_str(),
                    c.external_id.as_deref().unwrap_or_default()
                )),
            };
            let target = match found {
                Ok(Some(r)) => {
                    if let Some(line) = self.claimed.get(&r.id) {
                        let reason = format!("the same {} as line {line}", kind.as_str());
                        self.fail(c.record, reason);
                        continue;
                    }
                    self.claimed.insert(r.id.clone(), c.record.line);
                    Target::Existing(Box::new(r.clone()))
                }
                Ok(None) => Target::New(ResourceId::new()),
                Err(reason) => {
                    self.fail(c.record, reason);
                    continue;
                }
            };
            if self.groups_follow {
                let id = match &target {
                    Target::New(id) => id.as_str().to_owned(),
                    Target::Existing(r) => r.id.clone(),
                };
                self.file.add(
                    Ref { kind, id },
                    c.source_id.as_deref(),
                    c.external_id.as_deref(),
                    &c.name_ci,
                );
            }
            matched.push(Matched {
                candidate: c,
                target,
            });
        }
        Ok(matched)
    }

    /// Each group's members as ids (and types), or the group fails with the members that
    /// name nothing.
    async fn resolve_members<'r>(
        &mut self,
        groups: Vec<Matched<'r>>,
    ) -> anyhow::Result<Vec<Matched<'r>>> {
        let values: HashSet<String> = groups
            .iter()
            .filter_map(|g| g.candidate.members.as_ref())
            .flatten()
            .map(|m| m.value.clone())
            .collect();
        let tenant =
            Directory::of_tenant(self.store, self.tenant, values.into_iter().collect()).await?;
        let mut resolved = Vec::with_capacity(groups.len());
        for mut group in groups {
            let Some(given) = group.candidate.members.take() else {
                resolved.push(group);
                continue;
            };
            let mut members: Vec<MemberInput> = Vec::with_capacity(given.len());
            let mut problems = Vec::new();
            for member in &given {
                match members::resolve(member, &self.file, &tenant) {
                    Ok(found) => match self.failed.get(&found.id) {
                        Some(line) => problems.push(format!(
                            "member {:?} is the {} of line {line}, which failed",
                            member.value,
                            found.kind.as_str()
                        )),
                        None if members.iter().any(|m| m.value == found.id) => {}
                        None => members.push(MemberInput {
                            value: found.id,
                            kind: Some(found.kind),
                            display: member.display.clone(),
                        }),
                    },
                    Err(problem) => problems.push(problem),
                }
            }
            if let Some(first) = problems.first() {
                let more = match problems.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                if let Target::New(id) = &group.target {
                    self.failed
                        .insert(id.as_str().to_owned(), group.candidate.record.line);
                }
                self.fail(group.candidate.record, format!("{first}{more}"));
                continue;
            }
            group.candidate.members = Some(members);
            resolved.push(group);
        }
        Ok(resolved)
    }

    /// What a matched record comes to: a new resource, an update, or nothing to do when the
    /// stored resource already is what the record makes of it.
    fn plan<'m>(&self, rt: &ResourceType, m: &'m Matched<'m>) -> Result<Plan<'m>, String> {
        let c = &m.candidate;
        match &m.target {
            Target::New(id) => {
                let write = Write {
                    derived: resource::derive(rt, &c.data).map_err(|e| e.detail)?,
                    data: c.data.clone(),
                    members: match rt.kind {
                        ResourceKind::Group => Some(c.members.clone().unwrap_or_default()),
                        ResourceKind::User => None,
                    },
                    member_change: None,
                    password_hash: None,
                };
                Ok(Plan::Create(c, id.clone(), Box::new(write)))
            }
            Target::Existing(stored) => {
                let data = updated(self.header, rt, c, &stored.data).map_err(|e| e.detail)?;
                if data == stored.data && same_members(c.members.as_deref(), stored) {
                    Ok(Plan::Unchanged)
                } else {
                    Ok(Plan::Update(c, stored.id.clone()))
                }
            }
        }
    }

    async fn write(&mut self, rt: &ResourceType, plans: Vec<Plan<'_>>) {
        let kind = rt.kind;
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        for plan in plans {
            match plan {
                Plan::Create(c, id, write) => creates.push((c, id, *write)),
                Plan::Update(c, id) => updates.push((c, id)),
                Plan::Unchanged => self.summary.counts(kind).unchanged += 1,
            }
        }
        if self.dry_run {
            self.summary.counts(kind).created += creates.len() as u64;
            self.summary.counts(kind).updated += updates.len() as u64;
            return;
        }
        self.create(kind, creates).await;
        self.update(rt, updates).await;
    }

    /// Changed resources in one transaction; if it fails, one by one, as for creates.
    async fn update(&mut self, rt: &ResourceType, updates: Vec<(&Candidate<'_>, String)>) {
        let kind = rt.kind;
        if updates.is_empty() {
            return;
        }
        let header = self.header;
        let rewrite = |c: &Candidate<'_>, stored: &Resource| {
            let data = updated(header, rt, c, &stored.data)?;
            Ok(Write {
                derived: resource::derive(rt, &data)?,
                data,
                members: c.members.clone(),
                member_change: None,
                password_hash: None,
            })
        };
        let resources = self.resources(kind).memberships(false);
        let ids: Vec<String> = updates.iter().map(|(_, id)| id.clone()).collect();
        let all = resources
            .replace_all(&ids, |i, stored| rewrite(updates[i].0, stored))
            .await;
        if all.is_ok() {
            self.summary.counts(kind).updated += updates.len() as u64;
            return;
        }
        for (c, id) in updates {
            match resources
                .replace(&id, None, |stored| rewrite(c, stored))
                .await
            {
                Ok(_) => self.summary.counts(kind).updated += 1,
                Err(e) => self.fail(c.record, reason(kind, c, e)),
            }
        }
    }

    /// New resources in one transaction; if it fails, one by one, so that only the records
    /// at fault fail (a name taken meanwhile by an IdP, say).
    async fn create(
        &mut self,
        kind: ResourceKind,
        creates: Vec<(&Candidate<'_>, ResourceId, Write)>,
    ) {
        if creates.is_empty() {
            return;
        }
        let resources = self.resources(kind);
        let mut candidates = Vec::with_capacity(creates.len());
        let mut ids = Vec::with_capacity(creates.len());
        let mut writes = Vec::with_capacity(creates.len());
        for (c, id, write) in creates {
            candidates.push(c);
            ids.push(id);
            writes.push(write);
        }
        if resources.import_as(&ids, &writes).await.is_ok() {
            self.summary.counts(kind).created += ids.len() as u64;
            return;
        }
        let new: HashSet<&str> = ids.iter().map(ResourceId::as_str).collect();
        let mut created = Vec::new();
        for ((c, id), write) in candidates.iter().zip(&ids).zip(&writes) {
            match resources
                .import_as(std::slice::from_ref(id), std::slice::from_ref(write))
                .await
            {
                Ok(()) => {
                    self.summary.counts(kind).created += 1;
                    created.push((c, id, write));
                }
                Err(e) => {
                    self.failed.insert(id.as_str().to_owned(), c.record.line);
                    self.fail(c.record, reason(kind, c, e));
                }
            }
        }
        // Members that were groups created after their group, one by one, were left out
        // (a member must exist); setting the members again now finds them.
        for (c, id, write) in created {
            let names_new = write
                .members
                .iter()
                .flatten()
                .any(|m| m.kind == Some(ResourceKind::Group) && new.contains(m.value.as_str()));
            if !names_new {
                continue;
            }
            let again = resources
                .replace(id.as_str(), None, |_| Ok(write.clone()))
                .await;
            if let Err(e) = again {
                self.summary.counts(kind).created -= 1;
                self.fail(c.record, reason(kind, c, e));
            }
        }
    }
}

/// A store error as the reason a record failed.
fn reason(kind: ResourceKind, c: &Candidate<'_>, err: StoreError) -> String {
    match err {
        StoreError::Uniqueness { attribute } => format!(
            "{attribute} {:?} is taken by another {}",
            c.name,
            kind.as_str()
        ),
        StoreError::Rejected(e) => e.detail,
        StoreError::NotFound => format!(
            "the {} was deleted while importing; run the import again",
            kind.as_str()
        ),
        other => format!("{:#}", anyhow::Error::from(other)),
    }
}
