import sys

from pybuildpack.cli import main

sys.exit(main())
