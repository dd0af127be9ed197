"""``python -m marsad``: the same command line as the installed ``marsad``."""

from marsad.cli import main

main()
