"""The scenario files shipped with tui-lab (installed as the package tui_lab.scenarios)."""
