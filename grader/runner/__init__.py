"""Code that runs *inside* the sandbox, never imported by the host's grader.

It is copied into the sandbox image under /opt/grader and must run on the
image's own Python with nothing but the standard library (and pytest for the
plugin). Keep it free of imports from the rest of the ``grader`` package.
"""
