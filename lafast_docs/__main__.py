from lafast_docs.cli import main

main()
