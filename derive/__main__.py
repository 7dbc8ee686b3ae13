import sys

from derive.cli.main import main

sys.exit(main())
