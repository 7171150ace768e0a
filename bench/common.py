"""What every benchmark of bench/ needs: the project on sys.path, Django set up on the bench
database, its results folder, peak memory, the admin the services are called as, and sealed
values for SQL that writes personal columns."""

import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongzhou_care.settings.dev")
    os.environ.setdefault("MEDIA_ROOT", str(RESULTS / "media"))
    import django

    django.setup()


def peak_mb() -> float:
    """This process's peak resident memory so far (each phase runs in its own process)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def admin():
    """The commission admin the benchmarks act as, created once."""
    from tongzhou_care.core.models import Role, User
    from tongzhou_care.core.services import user_save

    user = User.objects.filter(username="bench_admin").first()
    return user or user_save(user=User(username="bench_admin", role=Role.COMMISSION_ADMIN), actor=None)


def sealed_values() -> dict:
    """The personal columns as the application stores them (core/sealed.py): sealed once and
    shared by every generated claim of claim_pages and data_checks (real claims each have their
    own ciphertext; the pages open each shown value, which costs the same)."""
    from tongzhou_care.core.sealed import blind_index_of, sealed_bytes

    return {"diagnosis": sealed_bytes("diagnosis", "肺炎"), "phone": sealed_bytes("phone", "13900000000"),
            "account": sealed_bytes("bank_account", "6210000000000000"),
            "phone_hash": blind_index_of("phone", "13900000000"),
            "account_hash": blind_index_of("bank_account", "6210000000000000")}
