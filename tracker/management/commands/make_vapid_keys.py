"""Makes a VAPID key pair for Web Push and prints it as the environment lines the settings
read (DJANGO_VAPID_PUBLIC_KEY, DJANGO_VAPID_PRIVATE_KEY). Keep the private key secret; a new
pair means every browser has to subscribe again."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_pair() -> tuple[str, str]:
    """(public, private): the uncompressed P-256 point and the raw 32-byte private value."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(public), b64url(private)


class Command(BaseCommand):
    help = "Print a new VAPID key pair as DJANGO_VAPID_* environment lines."

    def handle(self, *args, **options):
        public, private = make_pair()
        self.stdout.write(f"DJANGO_VAPID_PUBLIC_KEY={public}\nDJANGO_VAPID_PRIVATE_KEY={private}")
