"""The web front end's tests: ``webkit`` (helpers) is importable from every test module here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
