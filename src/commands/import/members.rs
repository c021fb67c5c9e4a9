//! Group members as a file names them, resolved to resources: a member's `value` may be an
//! id (scimd's, or the `id` a resource of the same file carries, as in another server's
//! export), else an externalId, else a userName or group displayName, of a resource of the
//! same import or already in the tenant. `type` ("User", "Group") narrows the search.
use std::collections::HashMap;

use crate::scim::resource::{self, MemberInput};
use crate::scim::schema::ResourceKind;
use crate::store::{Lookup, Store, StoreError, TenantId};

/// A resource a member may turn out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ref {
    pub kind: ResourceKind,
    pub id: String,
}

/// What resources are known by: the file's (ids as the file gave them) or the tenant's.
#[derive(Debug, Default)]
pub(super) struct Directory {
    ids: HashMap<String, Ref>,
    external_ids: HashMap<String, Vec<Ref>>,
    /// Lower-cased userName / displayName.
    names: HashMap<String, Vec<Ref>>,
}

impl Directory {
    /// Adds `to` under each of its keys; `id` is the file's id for it, or its id here.
    pub fn add(&mut self, to: Ref, id: Option<&str>, external_id: Option<&str>, name_ci: &str) {
        if let Some(id) = id {
            self.ids.insert(id.to_lowercase(), to.clone());
        }
        if let Some(external_id) = external_id {
            self.external_ids
                .entry(external_id.to_owned())
                .or_default()
                .push(to.clone());
        }
        self.names.entry(name_ci.to_owned()).or_default().push(to);
    }

    /// The tenant's Users and Groups that any of `values` may name.
    pub async fn of_tenant(
        store: &Store,
        tenant: TenantId,
        values: Vec<String>,
    ) -> Result<Self, StoreError> {
        let lookup = Lookup {
            ids: values.clone(),
            names: values.clone(),
            external_ids: values,
        };
        let mut directory = Self::default();
        for kind in [ResourceKind::User, ResourceKind::Group] {
            let found = store
                .tenant(tenant)
                .resources(kind)
                .memberships(false)
                .find(&lookup)
                .await?;
            for r in found {
                let columns = resource::columns(kind, &r.data).map_err(StoreError::Rejected)?;
                let to = Ref { kind, id: r.id };
                let id = to.id.clone();
                directory.add(
                    to,
                    Some(&id),
                    columns.external_id.as_deref(),
                    &columns.name_ci,
                );
            }
        }
        Ok(directory)
    }
}

/// The resource member `value` names, searched in the file, then in the tenant.
pub(super) fn resolve(
    member: &MemberInput,
    file: &Directory,
    tenant: &Directory,
) -> Result<Ref, String> {
    let value = member.value.as_str();
    let fits = |r: &&Ref| member.kind.is_none_or(|k| r.kind == k);
    let id = value.to_lowercase();
    if let Some(found) = file
        .ids
        .get(&id)
        .or_else(|| tenant.ids.get(&id))
        .filter(fits)
    {
        return Ok(found.clone());
    }
    let keys = [
        (
            "externalId",
            value.to_owned(),
            &file.external_ids,
            &tenant.external_ids,
        ),
        ("userName or displayName", id, &file.names, &tenant.names),
    ];
    for (what, key, in_file, in_tenant) in keys {
        let mut hits: Vec<&Ref> = in_file
            .get(&key)
            .into_iter()
            .chain(in_tenant.get(&key))
            .flatten()
            .filter(fits)
            .collect();
        hits.sort_by(|a, b| a.id.cmp(&b.id));
        hits.dedup_by(|a, b| a.id == b.id);
        match hits.as_slice() {
            [] => continue,
            [one] => return Ok((*one).clone()),
            many => {
                let hint = match member.kind {
                    None => " or add \"type\": \"User\" or \"Group\"",
                    Some(_) => "",
                };
                return Err(format!(
                    "member {value:?} is ambiguous: {} resources have it as {what}; name it by id{hint}",
                    many.len()
                ));
            }
        }
    }
    Err(format!(
        "member {value:?} is no User or Group of this import or the tenant (by id, externalId, \
         userName or displayName)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(value: &str, kind: Option<ResourceKind>) -> MemberInput {
        MemberInput {
            value: value.to_owned(),
            kind,
            display: None,
        }
    }

    fn r(kind: ResourceKind, id: &str) -> Ref {
        Ref {
            kind,
            id: id.to_owned(),
        }
    }

    #[test]
    fn ids_then_external_ids_then_names_in_the_file_and_the_tenant() {
        use ResourceKind::{Group, User};
        let mut file = Directory::default();
        file.add(r(User, "new-1"), Some("src-1"), Some("E1"), "bjensen");
        file.add(r(Group, "new-2"), None, None, "staff");
        let mut tenant = Directory::default();
        tenant.add(r(User, "old-1"), Some("old-1"), Some("E2"), "jsmith");
        tenant.add(r(Group, "old-2"), Some("old-2"), None, "bjensen");
        let found = |value: &str, kind| resolve(&member(value, kind), &file, &tenant);
        assert_eq!(found("SRC-1", None), Ok(r(User, "new-1")));
        assert_eq!(found("old-1", None), Ok(r(User, "old-1")));
        assert_eq!(found("E1", None), Ok(r(User, "new-1")));
        assert!(found("e1", None).is_err(), "externalId is exact");
        assert_eq!(found("JSmith", None), Ok(r(User, "old-1")));
        assert_eq!(found("staff", Some(Group)), Ok(r(Group, "new-2")));
        let err = found("bjensen", None).unwrap_err();
        assert!(
            err.contains("ambiguous") && err.contains("\"type\""),
            "{err}"
        );
        assert_eq!(found("bjensen", Some(Group)), Ok(r(Group, "old-2")));
        assert!(
            found("staff", Some(User))
                .unwrap_err()
                .contains("no User or Group")
        );
    }

    #[test]
    fn a_resource_known_to_both_the_file_and_the_tenant_is_one_match() {
        let mut file = Directory::default();
        file.add(r(ResourceKind::User, "u"), None, Some("E"), "a");
        let mut tenant = Directory::default();
        tenant.add(r(ResourceKind::User, "u"), Some("u"), Some("E"), "a");
        let found = resolve(&member("E", None), &file, &tenant);
        assert_eq!(found, Ok(r(ResourceKind::User, "u")));
    }
}
