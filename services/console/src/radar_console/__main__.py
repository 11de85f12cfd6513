from radar_console.main import main

main()
