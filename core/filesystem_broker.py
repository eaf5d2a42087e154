"""The broker of the embedded default's worker (`make run`): kombu's filesystem transport,
with each message written whole before it appears in the queue folder.

kombu's own `_put` creates the message file in the folder the consumer lists and then
writes it, so a worker that lists the folder in between reads an empty file, fails to
decode it and loses the message (kombu issue 1551; measured: 2 of 7,000 messages with a
busy consumer). Here the file is written under a temporary name in a sibling folder and
renamed into the queue folder, which is atomic on one file system: the consumer sees a
message whole or not at all. Everything else is kombu's.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written aside, then renamed into the folder."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        staging = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_out)), "staging")
        try:
            os.makedirs(staging, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=staging)
            with os.fdopen(fd, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add {name!r} to {self.data_folder_out!r}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
