import sys

from walt.cli import main

sys.exit(main())
