"""The ground every layer stands on: the errors scholarflow raises and its settings.

It imports nothing of the project, so connectors, transforms, the warehouse, flows and the
command line above them can all import it without any import climbing back up.
"""
