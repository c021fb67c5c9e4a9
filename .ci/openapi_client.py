"""Drives a live scimd through a client generated from openapi/openapi.json (issue 8).

Usage: python openapi_client.py BASE_URL TOKEN, with the generated package `scimd_client` on
sys.path. Creates, reads, patches and deletes a user with the generated operations and models
only, asserting each answer parses into the documented model; exits non-zero on any mismatch.
"""

import sys
import uuid

from scimd_client import AuthenticatedClient
from scimd_client.api.users import create_user, delete_user, get_user, patch_user
from scimd_client.models import Error, PatchOp, UserRequest

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def expect(response, status, what):
    if response.status_code != status:
        sys.exit(f"{what}: HTTP {int(response.status_code)}, want {status}: {response.content!r}")
    return response.parsed


def main(base, token):
    client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)
    name = f"generated-{uuid.uuid4().hex[:8]}@example.com"
    body = UserRequest.from_dict(
        {
            "schemas": [USER],
            "userName": name,
            "name": {"givenName": "Gen", "familyName": "Erated"},
            "emails": [{"value": name, "type": "work", "primary": True}],
            "active": True,
        }
    )
    created = expect(create_user.sync_detailed(client=client, body=body), 201, "create")
    user_id = created.id
    assert created.user_name == name, created

    read = expect(get_user.sync_detailed(user_id, client=client), 200, "read")
    assert read.user_name == name and read.name.given_name == "Gen", read

    op = PatchOp.from_dict(
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    )
    patched = expect(patch_user.sync_detailed(user_id, client=client, body=op), 200, "patch")
    assert patched.active is False, patched
    read = expect(get_user.sync_detailed(user_id, client=client), 200, "read after patch")
    assert read.active is False, read

    expect(delete_user.sync_detailed(user_id, client=client), 204, "delete")
    gone = expect(get_user.sync_detailed(user_id, client=client), 404, "read after delete")
    assert isinstance(gone, Error) and gone.status == "404", gone
    print(f"generated client: created, read, patched and deleted {name}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
