from licensing import create_app

app = create_app()
