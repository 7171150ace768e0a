"""The oversight app's models, one module per feature (保障措施)."""

from .checks import CheckFinding, CheckFindingStatus, CheckRun  # noqa: F401
from .complaints import Complaint  # noqa: F401
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
from .service_log import ServiceEntry  # noqa: F401
from .surveys import Survey, SurveySample  # noqa: F401
from .training import TrainingAttendance, TrainingSession  # noqa: F401
