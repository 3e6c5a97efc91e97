from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from accounts.models import User
from accounts.permissions import can_manage_region, can_manage_users
from brokerage.queue_selectors import work_queue


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role's home is its work: what waits for the person's organisation now."""

    nav_section = "home"

    template_name = "brokerage/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = cast(User, self.request.user)
        context["can_manage_region"] = can_manage_region(user)
        context["can_manage_users"] = can_manage_users(user)
        context["queue"] = work_queue(user)
        return context
