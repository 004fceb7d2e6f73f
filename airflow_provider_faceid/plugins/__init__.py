"""The FaceID page in Airflow's UI: the plugin (:mod:`.faceid`) and the app it mounts (:mod:`.app`)."""
