"""One module per mechanism of MODEL.md section 1; each docstring cites its source."""
