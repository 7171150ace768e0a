"""The oversight app's models, one module per feature (保障措施)."""

from .checks import CheckFinding, CheckFindingStatus, CheckRun  # noqa: F401
from .inspections import (  # noqa: F401
    AWAITING_PARTY,
    FindingStatus,
    Inspection,
    InspectionFinding,
    InspectionScope,
    Party,
    Rectification,
    RectificationEvidence,
)
