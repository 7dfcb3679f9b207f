import os

# Before the app is imported (its job queue is chosen then): the tests hold the queue in memory
# and run its jobs themselves (tests/support/jobs.py); tests that start a real worker or app
# nodes give those processes a queue of their own.
os.environ["JOBS_URL"] = "memory://"
