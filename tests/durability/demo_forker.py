"""Starts demo loads for the crash test (run as `python -m tests.durability.demo_forker N`).

Django is set up once; for every line on stdin the process forks a child that runs the real
demo loader (`prolotrack.demo.services.demo_load`: one transaction, all or nothing) and prints
the child's pid, then its wait status when it ends (the test kills most children with SIGKILL).
Forking skips the seconds of start-up a fresh `prolotrack demo` would spend per trial.
"""

from __future__ import annotations

import os
import sys


def main(patients: int) -> int:
    from prolotrack.cli.main import setup_django

    setup_django()
    from django.conf import settings
    from django.db import connections

    # The suite's fast hasher (as in prolotrack.settings.test): the demo accounts' Argon2 hashes
    # would spend seconds of every trial before the first row is written.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from prolotrack.demo.services import demo_load

    for _ in sys.stdin:
        connections.close_all()  # the child opens its own connection, as a restart would
        pid = os.fork()
        if pid == 0:  # pragma: no cover (runs in the child)
            try:
                demo_load(patients=patients, seed=11)
            except BaseException:
                os._exit(3)
            os._exit(0)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(status, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
