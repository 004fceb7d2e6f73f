from airflow_provider_faceid.local.specimens.generate import main

raise SystemExit(main())
