"""Start writers at the same instant, each on its own database connection."""

import threading

from django.db import connection


def race(actions) -> list[Exception]:
    """Run every callable in its own thread, released together by a barrier; return what
    they raised (a race must fail no writer, so tests usually expect [])."""
    barrier = threading.Barrier(len(actions))
    errors: list[Exception] = []

    def attempt(action):
        try:
            barrier.wait(timeout=10)
            action()
        except Exception as exc:  # noqa: BLE001 - collected for the caller's assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors
