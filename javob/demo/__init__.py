"""The demo workspace: agents, teams, one inbox of each kind and realistic conversations.

`data.py` and `texts.py` hold the content, `plan.py` decides what happens when (pure
Python, no database), and `loader.py` plays the plan through the actions.
"""
