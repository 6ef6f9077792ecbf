"""The schema revision this app expects, free of SQLAlchemy: the first screen's thin read checks it too."""

HEAD = "0028"  # the newest migration; a test keeps it equal to Alembic's own head
