from zhixin.cli import main

main()
