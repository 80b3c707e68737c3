"""One pane per file. Panes never query each other; the app routes between them."""
