"""Runs `scim2 test` (scim2-cli over scim2-tester), with one gap of the tester filled.

scim2-tester fills every attribute it writes with random values by type, but has no case for
`dateTime`: it generates a UUID string, which its own pydantic models then refuse before any
request is sent (or, in PATCH checks, which it sends and a conforming server must refuse). That
would hide every check that creates a User with all attributes filled. Here a `dateTime`
attribute gets a random instant instead (whole seconds, UTC, as Microsoft Graph keeps them);
every other value, every check and every verdict are the tester's own.

Usage: python run_scim2_tester.py <scim2 arguments...>   (e.g. --url URL --header H test)
"""

import random
import sys
from datetime import datetime, timedelta, timezone

import scim2_tester.filling as filling
from scim2_tester.checkers import patch_add, patch_replace

_generate = filling.generate_random_value


def generate_random_value(context, path, mutability=None, required=None):
    value = _generate(context, path, mutability=mutability, required=required)
    binding = path.resolve()
    if value is None or binding is None or binding.target_type is not datetime:
        return value
    start = datetime(2000, 1, 1, tzinfo=timezone.utc)
    instant = start + timedelta(seconds=random.randrange(40 * 365 * 86_400))
    return [instant] if binding.target_is_multivalued else instant


# The checkers import the function by name, so each module's binding is replaced.
for module in (filling, patch_add, patch_replace):
    module.generate_random_value = generate_random_value

if __name__ == "__main__":
    from scim2_cli import cli

    sys.argv[0] = "scim2"
    cli()
