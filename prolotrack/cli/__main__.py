from prolotrack.cli.main import run

run()
