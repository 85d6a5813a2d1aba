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

# Management review
from tousu.quality.models.review import Objective, ObjectiveDirection, ObjectiveKpi

__all__ = [
    # Inspection, management review
    "CalibrationRound",
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
