"""Role groups, their permissions and the development demo users."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.choices import Role
from governance.services import demo_users_ensure

pytestmark = pytest.mark.django_db


def test_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_role_permissions(planner, manager, executive, admin_user_in_role):
    for user in (planner, manager, executive, admin_user_in_role):
        assert user.has_perm("inventory.view_inventorypolicy")
        assert user.has_perm("demand.view_demandhistory")
    # Policies change only through approved proposals: nobody edits them directly.
    for user in (planner, executive, manager):
        assert not user.has_perm("inventory.change_inventorypolicy")
    assert planner.has_perm("governance.add_policyproposal")
    assert manager.has_perm("governance.add_policyproposal")
    assert not executive.has_perm("governance.add_policyproposal")
    assert manager.has_perm("governance.decide_policyproposal")
    assert manager.has_perm("governance.add_publicationbatch")
    for user in (planner, executive):
        assert not user.has_perm("governance.decide_policyproposal")
        assert not user.has_perm("governance.add_publicationbatch")
    assert not manager.has_perm("auth.add_user")
    assert admin_user_in_role.has_perm("auth.add_user")
    assert admin_user_in_role.has_perm("supply.delete_receipt")


def test_demo_users_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("demo_users")


def test_demo_users_can_log_in_with_the_printed_passwords(settings):
    settings.DEBUG = True
    first = demo_users_ensure()
    second = demo_users_ensure()  # re-running resets, never duplicates
    assert [login.username for login in second] == [
        "demo-planner",
        "demo-manager",
        "demo-executive",
        "demo-admin",
        "demo-integration",
    ]
    assert {a.password for a in first}.isdisjoint({b.password for b in second})
    for login in second:
        user = authenticate(username=login.username, password=login.password)
        assert user is not None
        assert list(user.groups.values_list("name", flat=True)) == [login.username[5:]]
    admin = authenticate(username="demo-admin", password=second[3].password)
    assert admin.is_superuser and admin.is_staff
