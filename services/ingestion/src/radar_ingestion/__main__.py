from radar_ingestion.main import main

main()
