"""All numerics of tui-lab. Never imports textual, rich or plotext (a test checks)."""
