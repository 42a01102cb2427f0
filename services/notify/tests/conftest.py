import sys
from pathlib import Path

HERE = Path(__file__).parent
# Helper modules carry a notify_ prefix: other services' tests share the same sys.path.
sys.path[:0] = [str(HERE), str(HERE / "integration")]
