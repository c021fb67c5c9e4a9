"""Checks that the document's `webhooks` describe the events a live scimd sends (issue 17).

Usage: python openapi_events.py BASE_URL ADMIN_TOKEN DOCUMENT. Makes a tenant of its own,
provokes every event type over SCIM, reads them back from GET /admin/v1/events, and validates
each against the component its type's webhook names as the request body (JSON Schema 2020-12,
with the document's own `$ref`s). Exits non-zero on any event that does not match, on a type
without a webhook, and on a type it could not provoke.
"""

import json
import secrets
import sys
import urllib.request

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def call(method, url, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/scim+json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


def patch(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def main(base, admin, path):
    doc = json.load(open(path))
    tenant = f"ci-events-{secrets.token_hex(4)}"
    call("POST", f"{base}/admin/v1/tenants", admin, {"name": tenant})
    token = call("POST", f"{base}/admin/v1/tokens", admin, {"tenant": tenant, "label": "events"})[
        "token"
    ]
    scim = f"{base}/scim/v2"
    user = call(
        "POST",
        f"{scim}/Users",
        token,
        {"schemas": [USER], "userName": "ada@example.com", "externalId": "ada", "name": {"givenName": "Ada"}},
    )
    users = f"{scim}/Users/{user['id']}"
    call("PATCH", users, token, patch({"op": "replace", "path": "title", "value": "Engineer"}))
    call("PATCH", users, token, patch({"op": "replace", "path": "active", "value": False}))
    call("PATCH", users, token, patch({"op": "replace", "path": "active", "value": True}))
    group = call("POST", f"{scim}/Groups", token, {"schemas": [GROUP], "displayName": "Engineering"})
    groups = f"{scim}/Groups/{group['id']}"
    call("PATCH", groups, token, patch({"op": "add", "path": "members", "value": [{"value": user["id"]}]}))
    call("PATCH", groups, token, patch({"op": "replace", "path": "displayName", "value": "Eng"}))
    call("PATCH", groups, token, patch({"op": "remove", "path": f'members[value eq "{user["id"]}"]'}))
    call("DELETE", groups, token)
    call("DELETE", users, token)

    events = call("GET", f"{base}/admin/v1/events?tenant={tenant}&limit=1000", admin)["events"]
    registry = Registry().with_resource("urn:scimd:openapi", DRAFT202012.create_resource(doc))
    schemas = doc["components"]["schemas"]
    seen, problems = set(), []
    for event in events:
        kind = event["type"]
        seen.add(kind)
        hook = doc.get("webhooks", {}).get(kind)
        if hook is None:
            problems.append(f"{kind}: no webhook in the document")
            continue
        ref = hook["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        schema = {"$ref": f"urn:scimd:openapi#/components/schemas/{name}"}
        validator = Draft202012Validator(schema, registry=registry)
        for error in validator.iter_errors(event):
            problems.append(f"{kind} (seq {event['seq']}) against {name}: {error.message}")
        # The narrowed `data` must describe what is sent, not merely allow it.
        data_ref = schemas[name]["allOf"][1]["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
        if not schemas.get(data_ref):
            problems.append(f"{kind}: data schema {data_ref} is missing")
    documented = set(doc.get("webhooks", {}))
    for kind in sorted(documented - seen):
        problems.append(f"{kind}: documented, but this run provoked no such event")
    if problems:
        sys.exit("\n".join(problems))
    print(f"{len(events)} events of {len(seen)} types match their webhooks' schemas")


if __name__ == "__main__":
    main(*sys.argv[1:4])
