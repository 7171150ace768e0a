"""The keys of personal data at rest, from the settings (which read the environment; see
docs/deploy.md "Keys of personal data"): PERSONAL_DATA_KEYS lists the SM4 keys by id,
PERSONAL_DATA_KEY_ID names the one that seals (the highest id when unset),
PERSONAL_DATA_HASH_KEY is the separate HMAC-SM3 key of the blind indexes."""

import os
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from .crypto import HASH_KEY_SIZE, KeyConfigError, Keyring, keyring_from_text, new_key_text

_ring: Keyring | None = None


def keyring() -> Keyring:
    """The configured keyring (built once per process)."""
    global _ring
    if _ring is None:
        try:
            _ring = keyring_from_text(settings.PERSONAL_DATA_KEYS, settings.PERSONAL_DATA_KEY_ID,
                                      settings.PERSONAL_DATA_HASH_KEY)
        except KeyConfigError as error:
            raise ImproperlyConfigured(f"Personal data keys: {error} (docs/deploy.md)") from None
    return _ring


@receiver(setting_changed)
def _forget_keyring(setting, **kwargs):
    global _ring
    if setting.startswith("PERSONAL_DATA_"):
        _ring = None


@checks.register(checks.Tags.security)
def check_keys(app_configs=None, **kwargs):
    """Without usable keys nothing personal can be read or written: say so at start-up."""
    try:
        keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="core.E920",
                             hint="Set PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY (docs/deploy.md).")]
    return []


# --- Keys of a development machine ------------------------------------------------------------

LOCAL_KEYS_NAME = "personal-data-keys.env"


def local_keys(folder: Path) -> dict[str, str]:
    """The development keys kept in `folder` (git-ignored .local/), generated at random the
    first time: the demo's database is sealed with them, so they must outlive the process.
    Never used in production, which reads its keys from the environment only."""
    path = Path(folder) / LOCAL_KEYS_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            "# Keys of this machine's development database (scripts/run); generated, never committed.\n"
            f"PERSONAL_DATA_KEYS=1:{new_key_text()}\n"
            f"PERSONAL_DATA_HASH_KEY={new_key_text(HASH_KEY_SIZE)}\n"
        )
        # Written whole under a temporary name, then linked: two first runs at once agree on
        # one file, and nobody reads half of it.
        temporary = path.with_name(f".{LOCAL_KEYS_NAME}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(text)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values
