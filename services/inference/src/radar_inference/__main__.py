from radar_inference.main import main

main()
