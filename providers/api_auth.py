"""How a provider's own system signs in to the API: a token, acting as the admin who created it.

`Authorization: Bearer <key>` (or `Token <key>`, as DRF's own token scheme spells it) is checked
by `facts.api_token_get`, which knows revoked tokens and non-provider organisations.

Who the request acts as. The services in `providers.facts` take an `actor: User` and check
`can_edit_setting(actor, setting)` themselves, and django-simple-history records that actor on
every change. A token has no person of its own, so it acts as the provider admin who created
it, and only while that person is still an active provider admin of the token's organisation:

- history says which person's token made each change, so "who changed our eligibility?" has an
  answer a provider can follow up, rather than an anonymous "API";
- the permission checks stay the ones every page uses, with no second rule for machines;
- a token cannot outlive its creator's authority: when an admin leaves, is deactivated, is made
  a provider user or moves organisation, their tokens stop working at once (401, saying why),
  which is the same promise deactivation makes for signing in.

Considered instead: a per-organisation "service account" user (needs a model change and a row
that is not a person, and history would no longer say who set the integration up), or acting as
any current admin of the organisation (history would then name someone who did nothing).
The cost of the choice: an organisation must create a new token when its creator leaves; the
error says so.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Organisation, User
from providers import facts
from providers.models import ApiToken
from providers.permissions import can_hold_api_tokens

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(BaseAuthentication):
    """`request.user` is the token's creator, `request.auth` the `ApiToken` (its organisation is
    the one the request acts for)."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # no credentials: HasApiToken refuses, as 401 with WWW-Authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Bearer <key>'."
            )
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from exc
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> tuple[User, ApiToken]:
        token = facts.api_token_get(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "The API key is not valid: it is unknown or has been revoked."
            )
        creator = token.created_by
        if (
            creator is None
            or not can_hold_api_tokens(creator)
            or creator.organisation_id != token.organisation_id
        ):
            provider = token.organisation.kind == Organisation.Kind.PROVIDER
            raise exceptions.AuthenticationFailed(
                "This API key was created by someone who is no longer an active "
                f"{'provider admin' if provider else 'user'} "
                f"of {token.organisation.name}, so it no longer works. Create a new key."
            )
        facts.api_token_used(token)
        return creator, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class HasApiToken(BasePermission):
    """Only requests authenticated by a provider's API key (above), never a session. Another
    kind of organisation's key (a local authority's, a hub's) is refused, 403."""

    message = "Send a provider's API key: 'Authorization: Bearer <key>'."

    def has_permission(self, request: Request, view: Any) -> bool:
        return (
            isinstance(request.auth, ApiToken)
            and bool(request.user.is_authenticated)
            and request.auth.organisation.kind == Organisation.Kind.PROVIDER
        )


class ApiTokenRateThrottle(SimpleRateThrottle):
    """The API's request budgets, counted in the Django cache (Redis) so every web process shares
    one count, and each a setting (docs/security.md): per API key (`api_token`,
    `API_RATE_LIMIT`), per signed-in person using a session (`api_user`, `API_USER_RATE_LIMIT`),
    and per client address for requests with neither, the schema and docs pages (`api_anon`,
    `API_ANON_RATE_LIMIT`). Over budget: 429 with Retry-After."""

    scope = "api_token"

    def allow_request(self, request: Request, view: Any) -> bool:
        # One class, three budgets: the scope follows how the request authenticated.
        if isinstance(request.auth, ApiToken):
            self.scope = "api_token"
        elif request.user and request.user.is_authenticated:
            self.scope = "api_user"
        else:
            self.scope = "api_anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        # Read at request time: SimpleRateThrottle.THROTTLE_RATES is bound at import, so a rate
        # changed later (override_settings in tests) would otherwise be ignored.
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the scheme in the OpenAPI schema (and Swagger UI's Authorize button)."""

    target_class = "providers.api_auth.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A key a provider admin creates at /providers/api-tokens/, sent as "
                "`Authorization: Bearer <key>` (`Token <key>` is also accepted). The request "
                "acts for the key's organisation, as the admin who created the key, and only "
                "while that person is still an active provider admin there. Unknown, revoked "
                "or orphaned keys get 401."
            ),
        }
