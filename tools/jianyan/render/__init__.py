"""Rendering: every generated document and output format (the bulletin in ``issue``, letters and reports,
records, the site, exports, the check output). The package itself defines nothing, so importing one
renderer loads no other."""
