"""`python -m galleryflow.cli ...`: the same as the installed `galleryflow` command."""

from galleryflow.cli.commands import main

if __name__ == "__main__":
    main()
