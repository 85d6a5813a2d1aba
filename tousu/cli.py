"""The `tousu` command: Django's manage.py under the product's name.

`tousu import FILE` is spelled `import` for people; the command module is `import_complaints`
because `import` is a Python keyword.
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_complaints",
    "import-survey": "import_survey",
    "import-faults": "import_faults",
    "worker": "worker",
    "token": "token",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.config.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "tousu"
    if len(args) > 1 and args[1] in ALIASES:
        args[1] = ALIASES[args[1]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
