from tousu.quality.models.capa import CapaAction, CorrectiveAction
from tousu.quality.models.documents import (
    ControlledDocument,
    DocumentAcknowledgement,
    DocumentVersion,
)

__all__ = [
    "CapaAction",
    "ControlledDocument",
    "CorrectiveAction",
    "DocumentAcknowledgement",
    "DocumentVersion",
]
