from posecoach.cli.app import main

raise SystemExit(main())
