"""What comes into a repository from outside: a new campaign made from a source repository or the
shipped templates (``init``), Word/WPS submissions (``word``, ``docxread``) and the handling
spreadsheets departments send back (``feedback``)."""
