from ktcs_desktop.cli import main

raise SystemExit(main())
