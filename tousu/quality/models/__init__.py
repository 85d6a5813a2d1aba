"""The quality app's records, one module per part of the management system (issue 16)."""

# Inspection
# Corrective action, controlled documents
from tousu.quality.models.capa import CapaAction, CorrectiveAction
from tousu.quality.models.documents import (
    ControlledDocument,
    DocumentAcknowledgement,
    DocumentVersion,
)
from tousu.quality.models.inspection import (
    CalibrationRound,
    Inspection,
    InspectionAppeal,
    InspectionScore,
    SamplingPlan,
    SamplingRun,
    ScoringItem,
    ScoringSheet,
)

# Management review
from tousu.quality.models.review import Objective, ObjectiveDirection, ObjectiveKpi

__all__ = [
    # Inspection, management review
    "CalibrationRound",
    # Corrective action, controlled documents
    "CapaAction",
    "ControlledDocument",
    "CorrectiveAction",
    "DocumentAcknowledgement",
    "DocumentVersion",
    "Inspection",
    "InspectionAppeal",
    "InspectionScore",
    "Objective",
    "ObjectiveDirection",
    "ObjectiveKpi",
    "SamplingPlan",
    "SamplingRun",
    "ScoringItem",
    "ScoringSheet",
]
