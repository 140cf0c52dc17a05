import sys

from agent_desktop.cli.main import main

sys.exit(main())
