"""Register one pjsua2 account over TLS and print the outcome as JSON (run as a subprocess).

usage: python -m tests.support.pj_register REGISTRAR USER PASSWORD CA_FILE [CERT KEY]
Used by the harness test; a process of its own because pjsua2 allows one Endpoint each.
"""

from __future__ import annotations

import json
import sys
import time

import pjsua2 as pj


class Account(pj.Account):
    def __init__(self) -> None:
        super().__init__()
        self.state: tuple[int, str] | None = None

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        self.state = (prm.code, prm.reason)


def main(argv: list[str]) -> int:
    registrar, user, password, ca = argv[:4]
    cert = argv[4] if len(argv) > 4 else ""
    key = argv[5] if len(argv) > 5 else ""
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = False
    cfg.logConfig.level = 1
    cfg.logConfig.consoleLevel = 1
    ep.libInit(cfg)
    ep.audDevManager().setNullDev()
    tcfg = pj.TransportConfig()
    tcfg.boundAddress = "127.0.0.1"
    tcfg.tlsConfig.CaListFile = ca
    tcfg.tlsConfig.verifyServer = True
    tcfg.tlsConfig.proto = pj.PJ_SSL_SOCK_PROTO_TLS1_2
    if cert:
        tcfg.tlsConfig.certFile = cert
        tcfg.tlsConfig.privKeyFile = key
    ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tcfg)
    ep.libStart()
    acfg = pj.AccountConfig()
    host = registrar.split(":", 1)[1]
    acfg.idUri = f"sips:{user}@{host}"
    acfg.regConfig.registrarUri = registrar
    acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
    acc = Account()
    acc.create(acfg)
    deadline = time.monotonic() + 10
    while acc.state is None and time.monotonic() < deadline:
        ep.libHandleEvents(20)
    state = acc.state or (0, "timeout")
    info = acc.getInfo()
    result = {"code": state[0], "reason": state[1], "active": bool(info.regIsActive)}
    acc.shutdown()
    for _ in range(10):
        ep.libHandleEvents(10)
    del acc
    ep.libDestroy()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
