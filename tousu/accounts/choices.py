from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Front-line agent")
    HANDLER = "handler", _("Complaint handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    DEPT_HEAD = "dept_head", _("Department head")
    QUALITY = "quality", _("Quality inspector")
    ANALYST = "analyst", _("Analyst")
    ADMIN = "admin", _("Administrator")


class DataScope(models.TextChoices):
    DEPARTMENT = "department", _("Own department")
    REGION = "region", _("Own region")
    ALL = "all", _("All")


# Who sees what by default. Front-line agents answer any customer who calls, so they see all
# complaints (with personal data masked); back-office staff see their department's work.
DEFAULT_SCOPE: dict[str, str] = {
    Role.AGENT: DataScope.ALL,
    Role.HANDLER: DataScope.DEPARTMENT,
    Role.SUPERVISOR: DataScope.DEPARTMENT,
    Role.DEPT_HEAD: DataScope.DEPARTMENT,
    Role.QUALITY: DataScope.ALL,
    Role.ANALYST: DataScope.ALL,
    Role.ADMIN: DataScope.ALL,
}


class AssignmentMode(models.TextChoices):
    AUTO = "auto", _("Assign to a handler automatically")
    QUEUE = "queue", _("Leave in the department queue")


class LockoutScope(models.TextChoices):
    """What a login lock holds: one user name (from every address), or one address (for every
    user name)."""

    USERNAME = "username", _("User name")
    ADDRESS = "address", _("Address")


class AuditAction(models.TextChoices):
    """What an audit log entry records."""

    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKOUT = "lockout", _("Login locked")
    VERIFICATION = "verification", _("Integrity verified")
    ANONYMISE = "anonymise", _("Personal data anonymised")
