"""Supervision on the agent's side: checking the monitor grants a team lead presents.

Qt-free and server-free: the workstation imports this; the audit server imports it too
(the wire format lives here once), and only the server signs grants.
"""
