from jianyan.cli import main

if __name__ == "__main__":  # not when imported (a forkserver worker imports the main module)
    main()
