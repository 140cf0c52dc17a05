from tests.support.directory_env import clock, directory_server, make_vault  # noqa: F401 - fixtures
