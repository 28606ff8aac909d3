from haven.cli.main import main

main()
