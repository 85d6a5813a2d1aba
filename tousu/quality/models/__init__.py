"""The quality app's records, one module per part of the management system (issue 16)."""

# Inspection
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

__all__ = [
    # Inspection
    "CalibrationRound",
    "Inspection",
    "InspectionAppeal",
    "InspectionScore",
    "SamplingPlan",
    "SamplingRun",
    "ScoringItem",
    "ScoringSheet",
]
