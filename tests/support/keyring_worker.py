"""Child process for the Secret Service tests: several threads storing, reading and deleting
entries at once through the vault's keyring backend. Usage: ``keyring_worker TAG THREADS ROUNDS``."""

from __future__ import annotations

import sys
import threading

from agent_desktop.vault.keyring_backend import secure_backend


def main() -> None:
    tag, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    backend = secure_backend()
    failures: list[str] = []

    def work(n: int) -> None:
        for r in range(rounds):
            service = f"agent-desktop-test-worker-{tag}-{n}"
            try:
                backend.set_password(service, "u", f"secret-{r}")
                if backend.get_password(service, "u") != f"secret-{r}":
                    failures.append(f"{service}: read back something else")
                backend.delete_password(service, "u")
            except Exception as err:  # noqa: BLE001 - reported to the test, which fails
                failures.append(f"{service}: {type(err).__name__}: {err}")
                return
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("\n".join(failures) or "ok", flush=True)


if __name__ == "__main__":
    main()
