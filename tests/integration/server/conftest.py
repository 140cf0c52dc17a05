from tests.support.audit_server import audit_server, audit_server_factory  # noqa: F401
from tests.support.postgres import postgres  # noqa: F401
