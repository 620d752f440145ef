"""The security and privacy suite (`make security` runs this directory alone): each test attacks one protection."""
