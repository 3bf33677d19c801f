from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    """Roles, permissions and (in later issues) the approval workflow."""

    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # Model permissions only exist once each app has migrated, so grants are synced after
        # every app's migrate (this app has no models, so it gets no post_migrate of its own).
        from governance.escalations.services import escalation_schedule_ensure
        from governance.services import role_permissions_sync_after_migrate

        post_migrate.connect(role_permissions_sync_after_migrate, dispatch_uid="role_permissions")
        # The weekly schedule of the escalation rules: a row, not a migration of its own.
        post_migrate.connect(escalation_schedule_ensure, dispatch_uid="escalation_schedule")
