from radar_normalizer.main import main

main()
