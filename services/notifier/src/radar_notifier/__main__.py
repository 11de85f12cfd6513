from radar_notifier.main import main

main()
