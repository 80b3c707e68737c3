"""`python -m tui_lab`: the same as the `tui-lab` command."""

from tui_lab.cli import main

raise SystemExit(main())
