"""What ``agent-desktop demo`` runs on loopback: a throwaway CA, Kamailio over TLS, the
reference audit server with synthetic patients, and a simulated caller (pjsua2 over TLS +
SRTP). The tests use the same pieces. Never imports Qt."""
