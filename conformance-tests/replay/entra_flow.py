"""Replay of the Microsoft Entra ID provisioning sequences of shared/idp-quirks.md §2.1.

Entra sends its documented requests in two dialects: the default one (capitalised ops,
`"False"` strings, member removal by value list) and the one enabled by the `aadOptscim062020`
flag, which is appended to the tenant URL (lower-case ops, no-path replaces with dotted and URN
keys, member removal by filter path). Both are replayed here, each step checking the status and
then reading the resource back where the document says what must hold.

Usage: SCIM_TOKEN=... python entra_flow.py --base-url http://127.0.0.1:PORT/scim/v2
"""

from __future__ import annotations

import sys
import uuid
from types import SimpleNamespace

from harness import (
    CORE_GROUP,
    CORE_USER,
    ENTERPRISE,
    PATCH_OP,
    Replay,
    check,
    check_eq,
    dig,
    filter_quote,
    replay_main,
    member_ids,
    work_email,
)

ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
# The malformed URN of one example in Microsoft's tutorial; servers must tolerate it.
MALFORMED_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"
FLAG = "aadOptscim062020"
PATCH_OK = (200, 204)


def run(r: Replay) -> None:
    s = SimpleNamespace()
    tag = uuid.uuid4().hex[:8]
    s.upn = f"Test_User_{tag}@contoso.example"
    s.external_id = str(uuid.uuid4())
    s.group_name = f"Entra Group {tag}"

    def user_url(uid: str) -> str:
        return f"/Users/{uid}"

    def read_user(uid: str) -> dict:
        return r.read(user_url(uid))

    def read_group(gid: str, **params: str) -> dict:
        return r.read(f"/Groups/{gid}", params=params or None)

    def manager_of(uid: str) -> object:
        return dig(read_user(uid), f"[{ENTERPRISE}].manager")

    # ---- Test Connection and matching ----------------------------------------------------

    @r.step("Test Connection: GET /Users?filter=userName eq \"<random GUID>\" -> 200, empty ListResponse")
    def _():
        found = r.search("Users", f"userName eq {filter_quote(str(uuid.uuid4()))}")
        check_eq(len(found), 0, "Resources")

    @r.step("Test Connection: fetch a random user and group (GET /Users?count=1, /Groups?count=1) -> 200")
    def _():
        r.list_response(r.get("/Users", params={"count": "1"}, expect=200))
        r.list_response(
            r.get("/Groups", params={"count": "1", "excludedAttributes": "members"}, expect=200)
        )

    @r.step("Match before create: userName eq / externalId eq / emails[type eq \"work\"].value eq -> 200, no match")
    def _():
        for flt in (
            f"userName eq {filter_quote(s.upn)}",
            f"externalId eq {filter_quote(s.external_id)}",
            f"emails[type eq \"work\"].value eq {filter_quote(s.upn)}",
        ):
            check_eq(len(r.search("Users", flt)), 0, f"matches of {flt}")

    # ---- Create -------------------------------------------------------------------------

    @r.step("Create user: POST /Users, core+enterprise URNs, meta, roles [], explicit nulls -> 201", critical=True)
    def _():
        body = {
            "schemas": [CORE_USER, ENTERPRISE],
            "externalId": s.external_id,
            "userName": s.upn,
            "active": True,
            "emails": [{"primary": True, "type": "work", "value": s.upn}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
            "roles": [],
            "addresses": None,
            "phoneNumbers": None,
            "title": None,
            "preferredLanguage": None,
            ENTERPRISE: {"department": None, "manager": None},
        }
        resp = r.post("/Users", body, expect=201)
        user = r.json(resp)
        s.user1 = user.get("id")
        check(s.user1, "the created user has an id")
        check_eq(user.get("userName"), s.upn, "userName")
        location = resp.headers.get("Location")
        check(location, "201 has a Location header")
        check_eq(location, dig(user, "meta.location"), "Location header vs meta.location")

    @r.step("Read user back: GET /Users/{id} holds what was sent; nulls are unassigned")
    def _():
        user = read_user(s.user1)
        check_eq(user.get("id"), s.user1, "id")
        check(CORE_USER in user.get("schemas", []), "schemas contains the core User URN")
        check_eq(user.get("externalId"), s.external_id, "externalId")
        check_eq(user.get("active"), True, "active")
        check_eq(work_email(user), s.upn, "work email")
        check_eq(dig(user, "name.givenName"), "Grace", "name.givenName")
        check_eq(dig(user, "name.familyName"), "Hopper", "name.familyName")
        for attr in ("addresses", "phoneNumbers", "title", "preferredLanguage", "roles"):
            check(user.get(attr) in (None, [], ""), f"{attr} sent as null/[] reads back unassigned, got {user.get(attr)!r}")
        check(dig(user, f"[{ENTERPRISE}].manager") is None, "manager sent as null is unassigned")
        check_eq(dig(user, "meta.resourceType"), "User", "meta.resourceType")

    @r.step("Create the same userName again -> 409 uniqueness (MS validator 'Create a duplicate User')")
    def _():
        body = {"schemas": [CORE_USER], "userName": s.upn, "active": True}
        err = r.scim_error(r.post("/Users", body, expect=409), 409)
        check_eq(err.get("scimType"), "uniqueness", "scimType")

    @r.step("Match after create: userName eq (also in another case), externalId eq, work email eq -> this user")
    def _():
        for flt in (
            f"userName eq {filter_quote(s.upn)}",
            f"userName eq {filter_quote(s.upn.upper())}",
            f"externalId eq {filter_quote(s.external_id)}",
            f"emails[type eq \"work\"].value eq {filter_quote(s.upn)}",
        ):
            found = r.search("Users", flt)
            check_eq([u.get("id") for u in found], [s.user1], f"ids matching {flt}")

    @r.step(f"Create a user whose schemas hold the tutorial's malformed URN ({MALFORMED_ENTERPRISE}) -> 201; delete it -> 204")
    def _():
        body = {
            "schemas": [CORE_USER, MALFORMED_ENTERPRISE],
            "externalId": str(uuid.uuid4()),
            "userName": f"Malformed_{tag}@contoso.example",
            "active": True,
            "meta": {"resourceType": "User"},
            "name": {"familyName": "Tutorial", "givenName": "Example"},
        }
        user = r.json(r.post("/Users", body, expect=201))
        check(user.get("id"), "the created user has an id")
        check_eq(read_user(user["id"]).get("userName"), body["userName"], "userName read back")
        r.delete(user_url(user["id"]), expect=204)

    @r.step("Create a second user, without emails (later: Add on an empty target, group member, manager) -> 201", critical=True)
    def _():
        s.upn2 = f"Second_{tag}@contoso.example"
        body = {
            "schemas": [CORE_USER, ENTERPRISE],
            "externalId": str(uuid.uuid4()),
            "userName": s.upn2,
            "active": True,
            "meta": {"resourceType": "User"},
            "name": {"familyName": "Lovelace", "givenName": "Ada"},
        }
        user = r.json(r.post("/Users", body, expect=201))
        s.user2 = user.get("id")
        check(s.user2, "the created user has an id")
        check_eq(read_user(s.user2).get("userName"), s.upn2, "userName read back")

    # ---- Update (default dialect) -------------------------------------------------------

    @r.step("Update user: one PATCH, capitalised Replace ops, emails[type eq \"work\"].value, URN path -> 200/204; read back")
    def _():
        ops = [
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": f"x.{tag}@test.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "Eqpj"},
        ]
        r.patch(user_url(s.user1), ops, expect=PATCH_OK)
        user = read_user(s.user1)
        check_eq(user.get("displayName"), "Pvlo", "displayName")
        check_eq(work_email(user), f"x.{tag}@test.com", "work email")
        check_eq(len(user.get("emails") or []), 1, "number of emails (the work one was replaced, not added)")
        check_eq(dig(user, "name.givenName"), "Gtfd", "name.givenName")
        check_eq(dig(user, "name.familyName"), "Hopper", "name.familyName (untouched)")
        check_eq(user.get("externalId"), "Eqpj", "externalId")
        check_eq(dig(user, f"[{ENTERPRISE}].employeeNumber"), "Eqpj", "enterprise employeeNumber")

    @r.step("Update with Add where Entra believes the target empty: Add nickName, Add emails[type eq \"work\"].value on a user without emails")
    def _():
        ops = [
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": f"ada.{tag}@test.com"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
        ]
        r.patch(user_url(s.user2), ops, expect=PATCH_OK)
        user = read_user(s.user2)
        check_eq(user.get("nickName"), "Babs", "nickName")
        check_eq(work_email(user), f"ada.{tag}@test.com", "work email created by Add on a filtered path")

    # ---- Update (aadOptscim062020) ------------------------------------------------------

    @r.step(f"Update with ?{FLAG}: lower-case replace, no path, dotted and URN keys -> 200/204; read back")
    def _():
        ops = [
            {
                "op": "replace",
                "value": {
                    "displayName": "Bjfe",
                    "name.givenName": "Kkom",
                    "name.familyName": "Unua",
                    f"{ENTERPRISE}:employeeNumber": "Aklq",
                },
            }
        ]
        r.patch(f"{user_url(s.user1)}?{FLAG}", ops, expect=PATCH_OK)
        user = read_user(s.user1)
        check_eq(user.get("displayName"), "Bjfe", "displayName")
        check_eq(dig(user, "name.givenName"), "Kkom", "name.givenName")
        check_eq(dig(user, "name.familyName"), "Unua", "name.familyName")
        check_eq(dig(user, f"[{ENTERPRISE}].employeeNumber"), "Aklq", "enterprise employeeNumber")
        check("name.givenName" not in user, "the dotted key was resolved as a path, not stored as an attribute")

    # ---- Microsoft SCIM validator shapes and roles (§2.1) --------------------------------

    @r.step("MS validator 'Patch User - Replace Attributes': emails[primary eq \"true\"].value, work phone and address paths on absent targets, dotted no-path keys")
    def _():
        ops = [
            {"op": "Replace", "path": 'emails[primary eq "true"].value', "value": f"primary.{tag}@test.com"},
            {"op": "Replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 555 0100"},
            {"op": "Replace", "path": 'addresses[type eq "work"].streetAddress', "value": "1 Main Street"},
            {"op": "Replace", "path": 'addresses[type eq "work"].locality', "value": "Springfield"},
            {"op": "Replace", "value": {"name.familyName": "Validator", "title": "Tester"}},
        ]
        r.patch(user_url(s.user1), ops, expect=PATCH_OK)
        user = read_user(s.user1)
        check_eq([e.get("value") for e in user.get("emails") or []], [f"primary.{tag}@test.com"], "email values")
        check_eq([(p.get("type"), p.get("value")) for p in user.get("phoneNumbers") or []], [("work", "+1 555 0100")], "phoneNumbers")
        addresses = user.get("addresses") or []
        check_eq(len(addresses), 1, "number of addresses (both ops target the one work address)")
        check_eq((addresses[0].get("type"), addresses[0].get("streetAddress"), addresses[0].get("locality")),
                 ("work", "1 Main Street", "Springfield"), "work address")
        check_eq(dig(user, "name.familyName"), "Validator", "name.familyName")
        check_eq(user.get("title"), "Tester", "title")

    @r.step("MS validator 'Update User userName': no-path replace {userName} -> read back; the new userName matches")
    def _():
        new_upn = f"Renamed_{tag}@contoso.example"
        r.patch(user_url(s.user1), [{"op": "Replace", "value": {"userName": new_upn}}], expect=PATCH_OK)
        check_eq(read_user(s.user1).get("userName"), new_upn, "userName")
        found = r.search("Users", f"userName eq {filter_quote(new_upn)}")
        check_eq([u.get("id") for u in found], [s.user1], "ids matching the new userName")
        check_eq(len(r.search("Users", f"userName eq {filter_quote(s.upn)}")), 0, "matches of the old userName")
        s.upn = new_upn

    @r.step("Roles: SingleAppRoleAssignment (Add roles[primary eq \"True\"].value) and AppRoleAssignmentsComplex (Add roles [{primary,type,value,display}])")
    def _():
        admin = f"Admin-{tag}"
        r.patch(user_url(s.user1), [{"op": "Add", "path": 'roles[primary eq "True"].value', "value": admin}], expect=PATCH_OK)
        roles = read_user(s.user1).get("roles") or []
        check_eq([(x.get("primary"), x.get("value")) for x in roles], [(True, admin)], "roles of user 1 (primary, value)")
        role = {"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Reader", "display": "Reader"}
        r.patch(user_url(s.user2), [{"op": "Add", "path": "roles", "value": [role]}], expect=PATCH_OK)
        roles = read_user(s.user2).get("roles") or []
        check_eq(roles, [{**role, "primary": True}], "roles of user 2")
        flt = f'roles[primary eq "True"].value eq {filter_quote(admin)}'
        check_eq([u.get("id") for u in r.search("Users", flt)], [s.user1], f"ids matching {flt}")

    # ---- Disable / enable ---------------------------------------------------------------

    def check_active(expected: bool) -> None:
        check_eq(read_user(s.user1).get("active"), expected, "active read back by id")
        found = r.search("Users", f"userName eq {filter_quote(s.upn)}")
        check_eq([u.get("id") for u in found], [s.user1], "the user is still returned by the userName filter")
        check_eq(found[0].get("active"), expected, "active in the filter result")

    @r.step("Disable (default): Replace active \"False\" (string) -> user reads back active false and is still listed")
    def _():
        r.patch(user_url(s.user1), [{"op": "Replace", "path": "active", "value": "False"}], expect=PATCH_OK)
        check_active(False)

    @r.step("Re-enable (default): Replace active \"True\" (string) -> active true")
    def _():
        r.patch(user_url(s.user1), [{"op": "Replace", "path": "active", "value": "True"}], expect=PATCH_OK)
        check_active(True)

    @r.step(f"Disable then re-enable with ?{FLAG}: replace active false / true (booleans)")
    def _():
        r.patch(f"{user_url(s.user1)}?{FLAG}", [{"op": "replace", "path": "active", "value": False}], expect=PATCH_OK)
        check_active(False)
        r.patch(f"{user_url(s.user1)}?{FLAG}", [{"op": "replace", "path": "active", "value": True}], expect=PATCH_OK)
        check_active(True)

    # ---- Manager ------------------------------------------------------------------------

    def check_manager(expected: str) -> None:
        manager = manager_of(s.user1)
        check(isinstance(manager, dict), f"manager reads back under the enterprise key as an object {{value,...}}, got {manager!r}")
        check_eq(manager.get("value"), expected, "manager.value")

    @r.step("Manager (tutorial shape): Add path manager, value [{$ref, value}] -> enterprise manager {value}")
    def _():
        ref = f"{r.base_url}/Users/{s.user2}"
        ops = [{"op": "Add", "path": "manager", "value": [{"$ref": ref, "value": s.user2}]}]
        r.patch(user_url(s.user1), ops, expect=PATCH_OK)
        check_manager(s.user2)

    @r.step("Reference check (reported): GET /Users?filter=id eq \"u\" and manager eq \"m\" -> the user")
    def _():
        found = r.search("Users", f"id eq {filter_quote(s.user1)} and manager eq {filter_quote(s.user2)}")
        check_eq([u.get("id") for u in found], [s.user1], "ids")

    @r.step("Manager removal: remove path urn:...:enterprise:2.0:User:manager -> no manager")
    def _():
        r.patch(user_url(s.user1), [{"op": "remove", "path": f"{ENTERPRISE}:manager"}], expect=PATCH_OK)
        check(manager_of(s.user1) is None, "manager is unassigned")

    @r.step("Manager (bare string): add path urn:...:User:manager, value \"<id>\" -> enterprise manager {value}")
    def _():
        ops = [{"op": "add", "path": f"{ENTERPRISE}:manager", "value": s.user2}]
        r.patch(user_url(s.user1), ops, expect=PATCH_OK)
        check_manager(s.user2)

    @r.step("Manager (validators' shape): replace path urn:...:User:manager, value {value} -> enterprise manager {value}")
    def _():
        ops = [{"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": s.user2}}]
        r.patch(user_url(s.user1), ops, expect=PATCH_OK)
        check_manager(s.user2)

    @r.step("Manager removal by replace with an empty value -> no manager")
    def _():
        r.patch(user_url(s.user1), [{"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": ""}], expect=PATCH_OK)
        check(manager_of(s.user1) is None, f"manager is unassigned, got {manager_of(s.user1)!r}")

    # ---- Logic-App null update, empty Operations ---------------------------------------

    @r.step("Null update (Logic-App SCIM_Null_Update_Test): Replace with \"\" then with null -> attributes read back empty")
    def _():
        for empty in ("", None):
            ops = [
                {"op": "Replace", "path": "title", "value": "Engineer"},
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "R&D"},
            ]
            r.patch(user_url(s.user1), ops, expect=PATCH_OK)
            user = read_user(s.user1)
            check_eq(user.get("title"), "Engineer", "title before the update to empty")
            check_eq(dig(user, f"[{ENTERPRISE}].department"), "R&D", "department before the update to empty")
            ops = [
                {"op": "Replace", "path": "title", "value": empty},
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": empty},
            ]
            r.patch(user_url(s.user1), ops, expect=PATCH_OK)
            user = read_user(s.user1)
            check(user.get("title") in (None, ""), f"title after Replace with {empty!r}: {user.get('title')!r}")
            dept = dig(user, f"[{ENTERPRISE}].department")
            check(dept in (None, ""), f"department after Replace with {empty!r}: {dept!r}")

    @r.step("Empty Operations array (MS validator preview test) -> 200/204 no-op")
    def _():
        before = read_user(s.user1)
        r.request("PATCH", user_url(s.user1), body={"schemas": [PATCH_OP], "Operations": []}, expect=PATCH_OK)
        after = read_user(s.user1)
        check_eq(after.get("displayName"), before.get("displayName"), "displayName")

    # ---- Groups -------------------------------------------------------------------------

    @r.step("Match group before create: GET /Groups?excludedAttributes=members&filter=displayName eq \"x\" -> 200, no match")
    def _():
        found = r.search(
            "Groups",
            f"displayName eq {filter_quote(s.group_name)}",
            params={"excludedAttributes": "members"},
        )
        check_eq(len(found), 0, "Resources")

    @r.step("Create group: POST /Groups with core + ADSCIM URNs, externalId, meta, no members -> 201", critical=True)
    def _():
        body = {
            "schemas": [CORE_GROUP, ADSCIM_GROUP],
            "externalId": str(uuid.uuid4()),
            "displayName": s.group_name,
            "meta": {"resourceType": "Group"},
        }
        resp = r.post("/Groups", body, expect=201)
        group = r.json(resp)
        s.group = group.get("id")
        check(s.group, "the created group has an id")
        check_eq(group.get("displayName"), s.group_name, "displayName")
        check(resp.headers.get("Location"), "201 has a Location header")
        s.group_external_id = body["externalId"]

    @r.step("Read group excluding members: GET /Groups/{id}?excludedAttributes=members -> 200, no members")
    def _():
        group = read_group(s.group, excludedAttributes="members")
        check_eq(group.get("displayName"), s.group_name, "displayName")
        check_eq(group.get("externalId"), s.group_external_id, "externalId")
        check("members" not in group, "members is excluded")

    @r.step("Create the same group displayName again -> 409 uniqueness (MS validator 'Create a duplicate Group')")
    def _():
        body = {"schemas": [CORE_GROUP], "displayName": s.group_name}
        err = r.scim_error(r.post("/Groups", body, expect=409), 409)
        check_eq(err.get("scimType"), "uniqueness", "scimType")

    @r.step("Match group after create (also in another case), excludedAttributes=members -> this group, no members")
    def _():
        for name in (s.group_name, s.group_name.upper()):
            found = r.search(
                "Groups",
                f"displayName eq {filter_quote(name)}",
                params={"excludedAttributes": "members"},
            )
            check_eq([g.get("id") for g in found], [s.group], f"ids matching displayName {name!r}")
            check("members" not in found[0], "members is excluded")

    @r.step("Add members: one Add op with two members, $ref null (multi-member PATCH) -> 200/204; both are members")
    def _():
        ops = [
            {
                "op": "Add",
                "path": "members",
                "value": [{"$ref": None, "value": s.user1}, {"$ref": None, "value": s.user2}],
            }
        ]
        r.patch(f"/Groups/{s.group}", ops, expect=PATCH_OK)
        check_eq(member_ids(read_group(s.group)), {s.user1, s.user2}, "member ids")

    @r.step("Reference check (reported): GET /Groups?filter=id eq \"g\" and members eq \"u\" -> the group")
    def _():
        found = r.search(
            "Groups",
            f"id eq {filter_quote(s.group)} and members eq {filter_quote(s.user1)}",
            params={"excludedAttributes": "members"},
        )
        check_eq([g.get("id") for g in found], [s.group], "ids")

    @r.step("Remove member (default): Remove path members, value [{value: u1}] -> only that member goes")
    def _():
        ops = [{"op": "Remove", "path": "members", "value": [{"value": s.user1}]}]
        r.patch(f"/Groups/{s.group}", ops, expect=PATCH_OK)
        check_eq(member_ids(read_group(s.group)), {s.user2}, "member ids")

    @r.step(f"Remove member with ?{FLAG}: remove path members[value eq \"u1\"] -> only that member goes")
    def _():
        add = [{"op": "add", "path": "members", "value": [{"value": s.user1}]}]
        r.patch(f"/Groups/{s.group}?{FLAG}", add, expect=PATCH_OK)
        check_eq(member_ids(read_group(s.group)), {s.user1, s.user2}, "member ids after re-adding u1")
        ops = [{"op": "remove", "path": f'members[value eq "{s.user1}"]'}]
        r.patch(f"/Groups/{s.group}?{FLAG}", ops, expect=PATCH_OK)
        check_eq(member_ids(read_group(s.group)), {s.user2}, "member ids")

    @r.step("Remove a member that is not in the group (filter path, no match) -> success, nothing changes")
    def _():
        ops = [{"op": "remove", "path": f'members[value eq "{s.user1}"]'}]
        r.patch(f"/Groups/{s.group}?{FLAG}", ops, expect=PATCH_OK)
        check_eq(member_ids(read_group(s.group)), {s.user2}, "member ids")

    @r.step("Rename group: Replace displayName -> read back; the new name matches, the old one does not")
    def _():
        new_name = f"{s.group_name} renamed"
        r.patch(f"/Groups/{s.group}", [{"op": "Replace", "path": "displayName", "value": new_name}], expect=PATCH_OK)
        check_eq(read_group(s.group, excludedAttributes="members").get("displayName"), new_name, "displayName")
        found = r.search("Groups", f"displayName eq {filter_quote(new_name)}", params={"excludedAttributes": "members"})
        check_eq([g.get("id") for g in found], [s.group], "ids matching the new name")
        found = r.search("Groups", f"displayName eq {filter_quote(s.group_name)}", params={"excludedAttributes": "members"})
        check_eq(len(found), 0, "matches of the old name")
        check_eq(member_ids(read_group(s.group)), {s.user2}, "member ids (untouched by the rename)")

    @r.step("MS validator 'Patch Group - Replace Attributes': no-path replace {externalId} -> read back")
    def _():
        r.patch(f"/Groups/{s.group}", [{"op": "Replace", "value": {"externalId": f"ext-{tag}"}}], expect=PATCH_OK)
        check_eq(read_group(s.group, excludedAttributes="members").get("externalId"), f"ext-{tag}", "externalId")

    @r.step("MS validator preview 'multi-operation group PATCH': Add u1, Replace displayName, Remove u1 in one request -> applied in order")
    def _():
        # RFC 7644 §3.5.2 PATCH is a sequence of operations (JSON Patch, RFC 6902 §3: applied
        # sequentially): u1 is added, then removed again, so only u2 is left.
        name = f"{s.group_name} multi"
        ops = [
            {"op": "Add", "path": "members", "value": [{"value": s.user1}]},
            {"op": "Replace", "path": "displayName", "value": name},
            {"op": "Remove", "path": "members", "value": [{"value": s.user1}]},
        ]
        r.patch(f"/Groups/{s.group}", ops, expect=PATCH_OK)
        group = read_group(s.group)
        check_eq(group.get("displayName"), name, "displayName")
        check_eq(member_ids(group), {s.user2}, "member ids (u1 added, then removed)")

    # ---- Delete -------------------------------------------------------------------------

    @r.step("Delete a user who is a member: DELETE /Users/{id} -> 204; GET -> 404; the group no longer lists it")
    def _():
        r.delete(user_url(s.user2), expect=204)
        r.scim_error(r.get(user_url(s.user2), expect=404), 404)
        members = member_ids(read_group(s.group))
        check(s.user2 not in members, f"the deleted user is no longer a member; members: {members}")

    @r.step("Delete user: DELETE /Users/{id} -> 204; GET -> 404; the userName filter finds nothing")
    def _():
        r.delete(user_url(s.user1), expect=204)
        r.scim_error(r.get(user_url(s.user1), expect=404), 404)
        check_eq(len(r.search("Users", f"userName eq {filter_quote(s.upn)}")), 0, "matches")

    @r.step("Delete group: DELETE /Groups/{id} -> 204; GET -> 404; deleting it again -> 404")
    def _():
        r.delete(f"/Groups/{s.group}", expect=204)
        r.scim_error(r.get(f"/Groups/{s.group}", expect=404), 404)
        r.scim_error(r.delete(f"/Groups/{s.group}", expect=404), 404)


def main() -> int:
    return replay_main(
        "entra-flow",
        __doc__.splitlines()[0],
        {"Content-Type": "application/scim+json", "Accept": "application/scim+json"},
        run,
    )

if __name__ == "__main__":
    sys.exit(main())
