"""Authentication building blocks: password hashing, signed tokens, users, file serving."""
