from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

if TYPE_CHECKING:
    from accounts.models import User


class PermissionRequiredMixin(LoginRequiredMixin):
    """Signed-out people go to sign in; signed-in people who may not use the page get 403.

    `permission` is one of the functions in <app>/permissions.py, taking the user, wrapped in
    staticmethod().
    """

    permission: Callable[[User], bool]
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.permission(cast("User", request.user)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def actor(self) -> User:
        """The signed-in user (dispatch has made sure there is one)."""
        return cast("User", self.request.user)
