from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GovernanceConfig(AppConfig):
    """Roles, permissions and (in later issues) the approval workflow."""

    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # Model permissions only exist after every app has migrated, so grants are synced here
        # rather than in the migration that creates the groups.
        from governance.services import role_permissions_sync_after_migrate

        post_migrate.connect(role_permissions_sync_after_migrate, sender=self)
