"""Replay of the Okta provisioning sequences of shared/idp-quirks.md §2.2, then the 12 request
steps of Okta's "SCIM 2.0 SPEC Test" (Runscope export Okta-SCIM-20-SPEC-Test.json).

Okta provisioning: existence check, create (with the read-only `groups: []` and a password),
import paging, profile update by PUT, deactivate/reactivate and password sync by no-path PATCH,
AIW deactivation by PUT, and Push Groups: create, rename with the group id inside the value,
membership pushes, full replace, removal by filter, unknown member ids, AIW PUT, unlink
(DELETE). Okta never deletes users.

Usage: SCIM_TOKEN=... python okta_flow.py --base-url http://127.0.0.1:PORT/scim/v2
"""

from __future__ import annotations

import random
import string
import sys
import time
import uuid
from types import SimpleNamespace

from harness import (
    CORE_GROUP,
    CORE_USER,
    ERROR,
    LIST_RESPONSE,
    Replay,
    check,
    check_eq,
    dig,
    replay_main,
    member_ids,
    work_email,
)

PATCH_OK = (200, 204)
# Headers of Okta's provisioning client.
OKTA_HEADERS = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Content-Type": "application/scim+json; charset=utf-8",
}
# Headers of the Runscope SPEC test: GETs carry a Content-Type too; POSTs send application/json.
SPEC_GET_HEADERS = {
    "Accept-Charset": "utf-8",
    "Content-Type": "application/scim+json; charset=utf-8",
    "Accept": "application/scim+json",
    "User-Agent": "OKTA SCIM Integration",
}
SPEC_POST_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/scim+json; charset=utf-8",
}


def run(r: Replay) -> None:
    s = SimpleNamespace()
    tag = uuid.uuid4().hex[:8]

    def new_user_body(login: str, given: str, family: str) -> dict:
        return {
            "schemas": [CORE_USER],
            "userName": login,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": login, "type": "work"}],
            "displayName": f"{given} {family}",
            "locale": "en-US",
            "externalId": f"00u{uuid.uuid4().hex[:17]}",
            "groups": [],
            "password": "tH1s-is-a-Rand0m-pw",
            "active": True,
        }

    def read_user(uid: str) -> dict:
        return r.read(f"/Users/{uid}")

    def read_group(gid: str) -> dict:
        return r.read(f"/Groups/{gid}")

    def check_patch_answer(resp, expect_active: bool | None = None) -> None:
        """PATCH may be answered 200 with the user or 204 (§2.2)."""
        if resp.status_code == 200:
            body = r.json(resp)
            check_eq(body.get("id"), s.user1, "id of the user in the 200 PATCH answer")
            check("password" not in body, "the 200 PATCH answer does not return the password")
            if expect_active is not None:
                check_eq(body.get("active"), expect_active, "active in the 200 PATCH answer")

    # ---- Users --------------------------------------------------------------------------

    s.login = f"test.user.{tag}@okta.local"

    @r.step("Existence check: GET /Users?filter=userName%20eq%20%22...%22&startIndex=1&count=100 -> 200, empty ListResponse")
    def _():
        query = f"filter=userName%20eq%20%22{s.login.replace('@', '%40')}%22&startIndex=1&count=100"
        found = r.list_response(r.get(f"/Users?{query}", expect=200))
        check_eq(len(found), 0, "Resources")

    @r.step("Create user: POST /Users, core schema only, groups: [] (read-only), password, locale, externalId -> 201 with the user", critical=True)
    def _():
        body = new_user_body(s.login, "Test", "User")
        s.user1_external_id = body["externalId"]
        resp = r.post("/Users", body, expect=201)
        check(resp.content, "201 has a body (an empty 201 body is a failure to Okta)")
        user = r.json(resp)
        s.user1 = user.get("id")
        check(s.user1, "the created user has an id")
        check_eq(user.get("userName"), s.login, "userName")
        check_eq(user.get("active"), True, "active")
        check("password" not in user, "the password is never returned")

    @r.step("Read user back: names, work email, displayName, locale, externalId; no password; no groups")
    def _():
        user = read_user(s.user1)
        check_eq(dig(user, "name.givenName"), "Test", "name.givenName")
        check_eq(dig(user, "name.familyName"), "User", "name.familyName")
        check_eq(work_email(user), s.login, "work email")
        check_eq(user.get("displayName"), "Test User", "displayName")
        check_eq(user.get("locale"), "en-US", "locale")
        check_eq(user.get("externalId"), s.user1_external_id, "externalId")
        check("password" not in user, "the password is never returned")
        check(user.get("groups") in (None, []), f"groups is empty (the sent groups: [] is read-only), got {user.get('groups')!r}")

    @r.step("Duplicate create: same POST again -> 409 with an Error body (scimType uniqueness)")
    def _():
        err = r.scim_error(r.post("/Users", new_user_body(s.login, "Test", "User"), expect=409), 409)
        check_eq(err.get("scimType"), "uniqueness", "scimType")

    @r.step("Import: GET /Users?startIndex=1&count=100, then pages of 2 -> integer counts, stable order, every user once")
    def _():
        s.others = []
        for i in range(4):
            login = f"import.{i}.{tag}@okta.local"
            user = r.json(r.post("/Users", new_user_body(login, f"Imp{i}", "Orted"), expect=201))
            s.others.append(user["id"])
        resp = r.get("/Users", params={"startIndex": "1", "count": "100"}, expect=200)
        first = r.list_response(resp)
        body = r.json(resp)
        check_eq(body.get("startIndex"), 1, "startIndex")
        check(isinstance(body.get("itemsPerPage"), int), "itemsPerPage is an integer")
        all_ids = [u["id"] for u in first]
        check_eq(body.get("totalResults"), len(all_ids), "totalResults (all users fit in one page of 100)")
        check({s.user1, *s.others} <= set(all_ids), "the created users are listed")
        paged: list[str] = []
        start = 1
        while start <= len(all_ids):
            resp = r.get("/Users", params={"startIndex": str(start), "count": "2"}, expect=200)
            page = r.list_response(resp)
            body = r.json(resp)
            check_eq(body.get("startIndex"), start, f"startIndex echoed for startIndex={start}")
            check_eq(body.get("totalResults"), len(all_ids), f"totalResults on page startIndex={start}")
            check(1 <= len(page) <= 2, f"page startIndex={start} has 1 or 2 resources, got {len(page)}")
            paged.extend(u["id"] for u in page)
            start += 2
        check_eq(paged, all_ids, "ids across pages of 2 (same order as one page of 100)")

    @r.step("Profile update: PUT /Users/{id} with the full user as read (id, groups, meta included), givenName changed -> 200")
    def _():
        user = read_user(s.user1)
        user["name"]["givenName"] = "Changed"
        user["groups"] = []
        resp = r.put(f"/Users/{s.user1}", user, expect=200)
        check_eq(dig(r.json(resp), "name.givenName"), "Changed", "name.givenName in the answer")
        again = read_user(s.user1)
        check_eq(dig(again, "name.givenName"), "Changed", "name.givenName read back")
        check_eq(dig(again, "name.familyName"), "User", "name.familyName read back")
        check_eq(work_email(again), s.login, "work email read back")
        check_eq(again.get("externalId"), s.user1_external_id, "externalId read back")

    @r.step("Deactivate: PATCH {op: replace, value: {active: false}} (no path) -> 200 user or 204; active false")
    def _():
        resp = r.patch(f"/Users/{s.user1}", [{"op": "replace", "value": {"active": False}}], expect=PATCH_OK)
        check_patch_answer(resp, False)
        check_eq(read_user(s.user1).get("active"), False, "active read back")

    @r.step("Reactivate: PATCH {op: replace, value: {active: true}} -> active true")
    def _():
        resp = r.patch(f"/Users/{s.user1}", [{"op": "replace", "value": {"active": True}}], expect=PATCH_OK)
        check_patch_answer(resp, True)
        check_eq(read_user(s.user1).get("active"), True, "active read back")

    @r.step("Password sync: PATCH {op: replace, value: {password}} -> 200/204; the password is not returned")
    def _():
        before = read_user(s.user1)
        resp = r.patch(f"/Users/{s.user1}", [{"op": "replace", "value": {"password": "N3w-Rand0m-pw!"}}], expect=PATCH_OK)
        check_patch_answer(resp)
        after = read_user(s.user1)
        check("password" not in after, "the password is never returned")
        check_eq(after.get("userName"), before.get("userName"), "userName unchanged")

    @r.step("AIW deactivation: PUT /Users/{id} with active false, then true -> active follows")
    def _():
        for active in (False, True):
            user = read_user(s.user1)
            user["active"] = active
            r.put(f"/Users/{s.user1}", user, expect=200)
            check_eq(read_user(s.user1).get("active"), active, "active read back")

    # ---- Push Groups --------------------------------------------------------------------

    s.group_name = f"Okta Push {tag}"

    @r.step("Push group: POST /Groups {schemas, displayName, members: []} -> 201", critical=True)
    def _():
        body = {"schemas": [CORE_GROUP], "displayName": s.group_name, "members": []}
        group = r.json(r.post("/Groups", body, expect=201))
        s.group = group.get("id")
        check(s.group, "the created group has an id")
        check_eq(group.get("displayName"), s.group_name, "displayName")
        check(group.get("members") in (None, []), "members is empty")

    @r.step("Rename: PATCH {op: replace, value: {id: <groupId>, displayName}} (id inside the value) -> displayName changes, id does not")
    def _():
        s.group_name = f"{s.group_name} renamed"
        ops = [{"op": "replace", "value": {"id": s.group, "displayName": s.group_name}}]
        r.patch(f"/Groups/{s.group}", ops, expect=PATCH_OK)
        group = read_group(s.group)
        check_eq(group.get("id"), s.group, "id")
        check_eq(group.get("displayName"), s.group_name, "displayName")

    def push(ops: list[dict]) -> None:
        """A membership push: the id-inside-value replace comes with every one (§2.2)."""
        head = [{"op": "replace", "value": {"id": s.group, "displayName": s.group_name}}]
        r.patch(f"/Groups/{s.group}", head + ops, expect=PATCH_OK)

    def u(n: int) -> str:
        """User n of the pushes: 1 is the flow's user, 2-5 the ones created for the import."""
        return s.user1 if n == 1 else s.others[n - 2]

    @r.step("Membership push: add members [{value, display}] for two users -> both are members")
    def _():
        push([{"op": "add", "path": "members", "value": [
            {"value": u(1), "display": s.login}, {"value": u(2), "display": "import.0"}]}])
        check_eq(member_ids(read_group(s.group)), {u(1), u(2)}, "member ids")

    @r.step("Membership push: [remove members[value eq \"u1\"], add members [{value: u3, display}]] -> u1 out, u3 in")
    def _():
        push([
            {"op": "remove", "path": f'members[value eq "{u(1)}"]'},
            {"op": "add", "path": "members", "value": [{"value": u(3), "display": "import.1"}]},
        ])
        check_eq(member_ids(read_group(s.group)), {u(2), u(3)}, "member ids")
        check_eq(read_group(s.group).get("displayName"), s.group_name, "displayName kept")

    @r.step("Push Now: replace path members with the full list -> exactly that set")
    def _():
        push([{"op": "replace", "path": "members", "value": [{"value": u(1)}, {"value": u(4)}]}])
        check_eq(member_ids(read_group(s.group)), {u(1), u(4)}, "member ids")

    @r.step("Remove a member by filter: remove path members[value eq \"u4\"] -> only u4 goes")
    def _():
        r.patch(f"/Groups/{s.group}", [{"op": "remove", "path": f'members[value eq "{u(4)}"]'}], expect=PATCH_OK)
        check_eq(member_ids(read_group(s.group)), {u(1)}, "member ids")

    @r.step("A push with one unknown member id (Fleet #52600) -> accepted (200/204), known members applied")
    def _():
        unknown = str(uuid.uuid4())
        push([{"op": "add", "path": "members", "value": [{"value": u(5)}, {"value": unknown}]}])
        members = member_ids(read_group(s.group))
        check(u(5) in members and u(1) in members, f"u1 and u5 are members, got {members}")
        check(unknown not in members, "the unknown id is not a member")

    @r.step("AIW group update: PUT /Groups/{id} with the full members list -> membership replaced")
    def _():
        group = read_group(s.group)
        group["members"] = [{"value": u(2)}, {"value": u(3)}]
        r.put(f"/Groups/{s.group}", group, expect=200)
        group = read_group(s.group)
        check_eq(member_ids(group), {u(2), u(3)}, "member ids")
        check_eq(group.get("displayName"), s.group_name, "displayName")

    @r.step("Group import: GET /Groups?startIndex=1&count=100 -> integer counts; the group is listed")
    def _():
        resp = r.get("/Groups", params={"startIndex": "1", "count": "100"}, expect=200)
        groups = r.list_response(resp)
        body = r.json(resp)
        check_eq(body.get("startIndex"), 1, "startIndex")
        check_eq(body.get("totalResults"), len(groups), "totalResults")
        check(s.group in [g.get("id") for g in groups], "the group is listed")

    @r.step("Unlink: DELETE /Groups/{id} -> 204; GET -> 404; its members still exist")
    def _():
        r.delete(f"/Groups/{s.group}", expect=204)
        r.scim_error(r.get(f"/Groups/{s.group}", expect=404), 404)
        read_user(u(2))

    # ---- Okta SCIM 2.0 SPEC Test --------------------------------------------------------

    run_spec(r)


def run_spec(r: Replay) -> None:
    """The 12 request steps of Okta-SCIM-20-SPEC-Test.json, with its assertions. Its
    precondition (one user with names, userName, active and an email) is the flow's user."""
    s = SimpleNamespace()
    digits = "".join(random.choices(string.digits, k=6))
    s.given = random.choice(["Alex", "Sam", "Kim", "Noor", "Jo"]) + "".join(random.choices(string.ascii_lowercase, k=3))
    s.family = random.choice(["Smith", "Garcia", "Nguyen", "Okafor"]) + "".join(random.choices(string.ascii_lowercase, k=3))
    s.email = f"Runscope{digits}{s.family}@atko.com"
    s.username = s.email
    s.username_caps = s.username.upper()
    invalid_email = "abcdefgh@atko.com"
    nonexistent_id = "010101001010101011001010101011"

    def spec_get(path: str, **kw):
        return r.get(path, headers=SPEC_GET_HEADERS, **kw)

    def not_empty(value) -> bool:
        return value is not None and value != "" and value != [] and value != {}

    def user_fields(doc: dict, where: str) -> None:
        for field in ("id", "name.familyName", "name.givenName", "userName", "active"):
            check(not_empty(dig(doc, field)), f"{where}{field} is not empty")
        emails = doc.get("emails") or []
        check(emails and not_empty(emails[0].get("value")), f"{where}emails[0].value is not empty")

    @r.step("[SPEC 1] GET /Users?count=1&startIndex=1 -> 200 ListResponse, numbers, Resources[0] with id, names, userName, active, email", critical=True)
    def _():
        resp = spec_get("/Users", params={"count": "1", "startIndex": "1"}, expect=200)
        body = r.json(resp)
        check(LIST_RESPONSE in body.get("schemas", []), "schemas has the ListResponse URN")
        for field in ("itemsPerPage", "startIndex", "totalResults"):
            check(isinstance(body.get(field), int), f"{field} is a number")
        resources = body.get("Resources") or []
        check(resources, "Resources is not empty")
        user_fields(resources[0], "Resources[0].")
        s.isv_user = resources[0]["id"]

    @r.step("[SPEC 2] GET /Users/{id} -> 200, same fields, same id")
    def _():
        user = r.json(spec_get(f"/Users/{s.isv_user}", expect=200))
        user_fields(user, "")
        check_eq(user.get("id"), s.isv_user, "id")

    @r.step(f"[SPEC 3] GET /Users?filter=userName eq \"{invalid_email}\" -> 200, totalResults 0")
    def _():
        body = r.json(spec_get("/Users", params={"filter": f'userName eq "{invalid_email}"'}, expect=200))
        check(LIST_RESPONSE in body.get("schemas", []), "schemas has the ListResponse URN")
        check_eq(body.get("totalResults"), 0, "totalResults")

    @r.step(f"[SPEC 4] GET /Users/{nonexistent_id} -> 404 with detail and the Error URN")
    def _():
        body = r.json(spec_get(f"/Users/{nonexistent_id}", expect=404))
        check(not_empty(body.get("detail")), "detail is not empty")
        check(ERROR in body.get("schemas", []), "schemas has the Error URN")

    @r.step("[SPEC 5] GET /Users?filter=userName eq \"<randomEmail>\" -> 200, totalResults 0")
    def _():
        body = r.json(spec_get("/Users", params={"filter": f'userName eq "{s.email}"'}, expect=200))
        check_eq(body.get("totalResults"), 0, "totalResults")
        check(LIST_RESPONSE in body.get("schemas", []), "schemas has the ListResponse URN")

    def spec_user_body(email_value: str) -> dict:
        return {
            "schemas": [CORE_USER],
            "userName": s.username,
            "name": {"givenName": s.given, "familyName": s.family},
            "emails": [{"primary": True, "value": email_value, "type": "work"}],
            "displayName": f"{s.given} {s.family}",
            "active": True,
        }

    @r.step("[SPEC 6] POST /Users (Content-Type: application/json) -> 201, active true, id, names, userName, core URN", critical=True)
    def _():
        user = r.json(r.post("/Users", spec_user_body(s.email), headers=SPEC_POST_HEADERS, expect=201))
        check_eq(user.get("active"), True, "active")
        check(not_empty(user.get("id")), "id is not empty")
        check_eq(dig(user, "name.familyName"), s.family, "name.familyName")
        check_eq(dig(user, "name.givenName"), s.given, "name.givenName")
        check(CORE_USER in user.get("schemas", []), "schemas contains the core User URN")
        check_eq(user.get("userName"), s.username, "userName")
        s.user_one = user["id"]

    @r.step("[SPEC 7] GET /Users/{created id} -> 200, userName and names")
    def _():
        user = r.json(spec_get(f"/Users/{s.user_one}", expect=200))
        check_eq(user.get("userName"), s.username, "userName")
        check_eq(dig(user, "name.familyName"), s.family, "name.familyName")
        check_eq(dig(user, "name.givenName"), s.given, "name.givenName")

    @r.step("[SPEC 8] POST the same userName again -> 409")
    def _():
        r.post("/Users", spec_user_body(s.username), headers=SPEC_POST_HEADERS, expect=409)

    @r.step("[SPEC 9] GET /Users?filter=userName eq \"<UPPER-CASED userName>\" -> 200")
    def _():
        found = r.list_response(spec_get("/Users", params={"filter": f'userName eq "{s.username_caps}"'}, expect=200))
        # The SPEC test asserts only the status; userName is caseExact false (RFC 7643 §4.1.1),
        # so the user is found, and Okta's case-insensitive matching relies on that.
        check_eq([u.get("id") for u in found], [s.user_one], "ids matching the upper-cased userName")

    @r.step("[SPEC 10] (optional) GET /Groups -> 200; Resources an array when totalResults >= 1 (Okta wants < 600 ms)")
    def _():
        started = time.monotonic()
        resp = spec_get("/Groups", expect=200)
        ms = (time.monotonic() - started) * 1000
        body = r.json(resp)
        if body.get("totalResults", 0) >= 1:
            check(isinstance(body.get("Resources"), list), "Resources is an array")
        if ms >= 600:
            r.note(f"GET /Groups took {ms:.0f} ms (Okta's optional limit is 600 ms; not counted as a failure)")

    @r.step("[SPEC 11] Authorization: non-token -> 401 with detail, status \"401\", Error URN")
    def _():
        resp = r.get("/Users", params={"filter": f'userName eq "{s.username_caps}"'},
                     headers=SPEC_GET_HEADERS, auth="non-token", expect=401)
        r.scim_error(resp, 401)

    @r.step("[SPEC 12] GET /Users/00919288221112222 -> 404 with detail, status \"404\", Error URN")
    def _():
        r.scim_error(spec_get("/Users/00919288221112222", expect=404), 404)


def main() -> int:
    return replay_main(
        "okta-flow",
        __doc__.splitlines()[0],
        OKTA_HEADERS,
        run,
    )

if __name__ == "__main__":
    sys.exit(main())
