"""Duplication and plagiarism detection (查重): the algorithm (``normalise``, ``tokens``, ``features``,
``compare``), the index (``index/``) and the entry the checks and commands use (``analysis``). The
package itself defines nothing, so importing the index loads no analysis."""
