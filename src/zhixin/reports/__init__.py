"""融资协调专班的报表：日晾晒、周例会、月调度 (daily, weekly, monthly reports) and the
dashboard over them. A report is a list of sections registered in :mod:`.sections`; each
section is a function of the facts read once (:mod:`.service`) that returns its rows."""
