from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase


class PermissionRequiredMixin(LoginRequiredMixin):
    """Signed-out people go to sign in; signed-in people who may not use the page get 403.

    `permission` is one of the functions in <app>/permissions.py, taking the user.
    """

    permission: Callable[[Any], bool]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not type(self).permission(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
