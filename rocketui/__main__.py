from rocketui.cli import main

raise SystemExit(main())
