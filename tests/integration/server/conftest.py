from tests.support.audit_server import audit_server, audit_server_factory  # noqa: F401
