from radar_watcher.main import main

main()
