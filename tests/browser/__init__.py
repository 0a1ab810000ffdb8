"""Browser tests of the response panel in JupyterLab 4 and Notebook 7 (run with `make e2e`)."""
