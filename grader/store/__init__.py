"""Storage: SQLAlchemy models, sessions and migrations, and the functions that use them.

SQLite by default (a file under the data folder), PostgreSQL through
``GRADER_DATABASE_URL``. The schema is created and upgraded by Alembic
migrations only (``migrate()``), never by ``create_all``.
"""
