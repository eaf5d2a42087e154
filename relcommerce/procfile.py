"""`make run` on the embedded default: honcho runs Procfile.dev (the web server and the
Celery worker with beat), and stops both when either exits, on Ctrl-C (SIGINT) or SIGTERM.

honcho 2.0 leaves SIGHUP — the terminal closing — at its default, which ends honcho alone
and leaves both processes running in their own process groups. Here SIGHUP does what
Ctrl-C does. Usage is honcho's: `python -m relcommerce.procfile -f Procfile.dev start`.
"""

import signal
import sys

from honcho.command import main

if __name__ == "__main__":
    # honcho's helper processes inherit this handler; they ignore the SIGTERM it raises.
    signal.signal(signal.SIGHUP, lambda *_: signal.raise_signal(signal.SIGTERM))
    sys.argv[0] = "honcho"
    sys.exit(main())
