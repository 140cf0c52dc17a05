from tests.support.presence_env import presence_server, team  # noqa: F401
