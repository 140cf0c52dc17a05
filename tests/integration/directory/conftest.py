from tests.support.directory_env import clock, directory_server, make_vault, shared_directory_server  # noqa: F401 - fixtures
