"""An e-mail backend for tests that run workers in other processes: each message sent appends
one line ("to|subject") to the file named by MAIL_LOG, so the test can count every send."""

import os

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        path = os.environ["MAIL_LOG"]
        for message in email_messages:
            line = f"{','.join(message.to)}|{message.subject}\n".encode()
            # O_APPEND: lines from several processes never interleave (each is one write).
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return len(email_messages)
