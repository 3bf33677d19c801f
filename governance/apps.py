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
        from governance.sop.tasks import scorecard_schedule_ensure, shared_cache_table_ensure

        post_migrate.connect(role_permissions_sync_after_migrate, dispatch_uid="role_permissions")
        # The weekly schedule of the escalation rules: a row, not a migration of its own.
        post_migrate.connect(escalation_schedule_ensure, dispatch_uid="escalation_schedule")
        # The scorecard's evidence kept fresh for the pages, in the shared cache's table.
        post_migrate.connect(shared_cache_table_ensure, dispatch_uid="shared_cache_table")
        post_migrate.connect(scorecard_schedule_ensure, dispatch_uid="scorecard_schedule")
