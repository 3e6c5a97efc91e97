from django.core.exceptions import PermissionDenied


def require(condition: bool) -> None:
    """Services call this with a rule from <app>/permissions.py; a refusal is a 403."""
    if not condition:
        raise PermissionDenied
