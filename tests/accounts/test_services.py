from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, Invitation, Role, User
from tests.factories import PASSWORD, AreaFactory, UserFactory, sign_in

pytestmark = pytest.mark.django_db


def _link_token(message_body: str) -> str:
    line = next(line for line in message_body.splitlines() if "/invitations/" in line)
    return line.strip().rstrip("/").rsplit("/", 1)[-1]


def invite(world, actor=None, **overrides):
    actor = actor or world.user("hub_a", Role.HUB_ADMIN)
    fields = {
        "email": "New.Officer@Example.org",
        "full_name": "  Nia   Officer ",
        "organisation": world.la_a1,
        "role": Role.PLACEMENT_OFFICER,
    }
    fields.update(overrides)
    return services.invitation_create(actor=actor, **fields)


class TestInvitation:
    def test_invitation_is_emailed_once_with_a_working_link(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(world)
        assert invitation.email == "new.officer@example.org"
        assert invitation.full_name == "Nia Officer"
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["new.officer@example.org"]
        assert "placement officer" in message.body
        assert world.la_a1.name in message.body
        invitation.refresh_from_db()
        assert invitation.email_sent_at is not None
        # Running the task again (a retry, or the sweep) sends nothing more.
        assert services.invitation_email_send(invitation_id=invitation.pk) is False
        assert len(mail.outbox) == 1

        user = services.invitation_accept(token=_link_token(message.body), password=PASSWORD)
        assert user.organisation == world.la_a1
        assert user.role == Role.PLACEMENT_OFFICER
        assert user.check_password(PASSWORD)
        assert AuditEvent.objects.filter(
            action=AuditEvent.Action.INVITATION_ACCEPTED, target_user=user
        ).exists()

    def test_a_used_link_cannot_be_used_again(self, world):
        invitation = invite(world)
        token = services.invitation_token(invitation)
        services.invitation_accept(token=token, password=PASSWORD)
        with pytest.raises(services.InvitationLinkError, match="already been used"):
            services.invitation_accept(token=token, password="another-password-123")
        assert User.objects.filter(email="new.officer@example.org").count() == 1

    def test_an_expired_link_is_refused(self, world):
        invitation = invite(world)
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        with pytest.raises(services.InvitationLinkError, match="expired"):
            services.invitation_accept(
                token=services.invitation_token(invitation), password=PASSWORD
            )
        assert not User.objects.filter(email="new.officer@example.org").exists()

    def test_a_tampered_link_is_refused(self, world):
        token = services.invitation_token(invite(world))
        with pytest.raises(services.InvitationLinkError, match="not valid"):
            services.invitation_from_token(token[:-2] + "xx")

    def test_a_new_invitation_replaces_the_old_link(self, world):
        first = invite(world)
        second = invite(world, role=Role.LA_MANAGER)
        first.refresh_from_db()
        assert first.revoked_at is not None
        with pytest.raises(services.InvitationLinkError, match="withdrawn or replaced"):
            services.invitation_from_token(services.invitation_token(first))
        assert services.invitation_from_token(services.invitation_token(second)) == second

    def test_a_weak_password_is_refused_and_nothing_is_saved(self, world):
        invitation = invite(world)
        with pytest.raises(ValidationError) as error:
            services.invitation_accept(
                token=services.invitation_token(invitation), password="password"
            )
        assert any("too short" in m or "too common" in m for m in error.value.messages)
        invitation.refresh_from_db()
        assert invitation.accepted_at is None
        assert not User.objects.filter(email=invitation.email).exists()

    def test_an_existing_account_cannot_be_invited(self, world):
        existing = world.user("la_a2", Role.PLACEMENT_OFFICER)
        with pytest.raises(ValidationError) as error:
            invite(world, email=existing.email.upper())
        assert "already has an account" in str(error.value)

    @pytest.mark.parametrize(
        ("org", "role"),
        [
            ("la_a1", Role.PROVIDER_ADMIN),
            ("provider_a1", Role.PLACEMENT_OFFICER),
            ("hub_a", Role.LA_MANAGER),
        ],
    )
    def test_the_role_must_fit_the_organisation(self, world, org, role):
        # A provider organisation with its own admin manages its own people.
        actor = world.user(org, Role.PROVIDER_ADMIN) if org.startswith("provider") else None
        with pytest.raises(ValidationError, match="cannot belong"):
            invite(world, actor=actor, organisation=getattr(world, org), role=role)
        assert not Invitation.objects.exists()

    def test_la_manager_invites_only_into_their_own_la(self, world):
        manager = world.user("la_a1", Role.LA_MANAGER)
        assert invite(world, actor=manager).organisation == world.la_a1
        with pytest.raises(PermissionDenied):
            invite(world, actor=manager, email="x@example.org", organisation=world.la_a2)
        with pytest.raises(ValidationError):
            invite(world, actor=manager, email="y@example.org", role=Role.HUB_ADMIN)

    def test_hub_admin_cannot_invite_into_another_region(self, world):
        with pytest.raises(PermissionDenied):
            invite(world, organisation=world.la_b1)

    def test_officers_and_provider_users_cannot_invite(self, world):
        for actor in (
            world.user("la_a1", Role.PLACEMENT_OFFICER),
            world.user("provider_a1", Role.PROVIDER_USER),
        ):
            with pytest.raises(PermissionDenied):
                invite(world, actor=actor, organisation=actor.organisation)


class TestPeople:
    def test_deactivated_user_cannot_sign_in_and_is_audited(self, world, client):
        admin = world.user("provider_a1", Role.PROVIDER_ADMIN)
        target = world.user("provider_a1", Role.PROVIDER_USER)
        services.user_deactivate(actor=admin, user=target)
        target.refresh_from_db()
        assert target.is_active is False
        assert target.deactivated_at is not None
        assert not sign_in(client, target.email).wsgi_request.user.is_authenticated
        assert AuditEvent.objects.get(action=AuditEvent.Action.USER_DEACTIVATED).actor == admin
        services.user_reactivate(actor=admin, user=target)
        assert sign_in(client, target.email).wsgi_request.user.is_authenticated

    def test_nobody_deactivates_or_re_roles_themselves(self, world):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        with pytest.raises(ValidationError, match="your own"):
            services.user_deactivate(actor=admin, user=admin)
        with pytest.raises(ValidationError, match="your own"):
            services.user_role_change(actor=admin, user=admin, role=Role.HUB_ADMIN)

    def test_role_change_within_the_organisation_kind(self, world):
        manager = world.user("la_a1", Role.LA_MANAGER)
        officer = world.user("la_a1", Role.PLACEMENT_OFFICER)
        services.user_role_change(actor=manager, user=officer, role=Role.LA_MANAGER)
        officer.refresh_from_db()
        assert officer.role == Role.LA_MANAGER
        with pytest.raises(ValidationError):
            services.user_role_change(actor=manager, user=officer, role=Role.PROVIDER_ADMIN)
        with pytest.raises(PermissionDenied):
            services.user_role_change(
                actor=manager,
                user=world.user("la_a2", Role.PLACEMENT_OFFICER),
                role=Role.LA_MANAGER,
            )
        event = AuditEvent.objects.get(action=AuditEvent.Action.USER_ROLE_CHANGED)
        assert event.detail == {"previous": "placement_officer", "role": "la_manager"}


class TestOrganisations:
    def test_add_and_remove_a_member_la(self, world):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        area = AreaFactory(name="Rutland", gss_code="E06000017")
        la = services.local_authority_add(actor=admin, area=area)
        assert (la.name, la.gss_code, la.region) == ("Rutland", "E06000017", world.hub_a.region)
        with pytest.raises(ValidationError, match="already a member"):
            services.local_authority_add(actor=admin, area=area)
        officer = UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER)
        pending = invite(world, organisation=la)

        assert services.local_authority_remove(actor=admin, organisation=la) == 1
        la.refresh_from_db()
        officer.refresh_from_db()
        pending.refresh_from_db()
        assert la.member_until is not None
        assert officer.is_active is False
        assert pending.revoked_at is not None

        # Rejoining brings back the same organisation (its history), not its users.
        assert services.local_authority_add(actor=admin, area=area).pk == la.pk
        officer.refresh_from_db()
        assert officer.is_active is False

    def test_only_hub_admins_of_the_region_change_membership(self, world):
        with pytest.raises(PermissionDenied):
            services.local_authority_remove(
                actor=world.user("la_a1", Role.LA_MANAGER), organisation=world.la_a1
            )
        with pytest.raises(PermissionDenied):
            services.local_authority_remove(
                actor=world.user("hub_b", Role.HUB_ADMIN), organisation=world.la_a1
            )
        world.la_a1.refresh_from_db()
        assert world.la_a1.is_member

    def test_provider_names_are_unique_in_a_region(self, world):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        services.provider_organisation_add(actor=admin, name="Acme  Care Ltd")
        with pytest.raises(ValidationError, match="already takes part in Region A"):
            services.provider_organisation_add(actor=admin, name="acme care ltd")

    def test_a_provider_already_on_the_service_joins_another_region_as_itself(self, world):
        """Provider organisations are national: region B's hub adding Acme finds region A's."""
        acme = services.provider_organisation_add(
            actor=world.user("hub_a", Role.HUB_ADMIN), name="Acme Care Ltd"
        )
        again = services.provider_organisation_add(
            actor=world.user("hub_b", Role.HUB_ADMIN), name="ACME care ltd"
        )
        assert again == acme and acme.region is None
        assert {r.name for r in acme.regions.all()} == {"Region A", "Region B"}
        events = AuditEvent.objects.filter(action=AuditEvent.Action.PROVIDER_ADDED)
        assert sorted((e.region.name, e.detail["already_on_the_service"]) for e in events) == [
            ("Region A", False),
            ("Region B", True),
        ]
