"""The foundation every other package stands on: the one error base and the exit codes (``errors``), the
findings every check yields and every output prints (``findings``), atomic writing and bounded reading of
files (``fsutil``). It imports nothing else of jianyan."""
