"""For instructors: a different exercise for every student (:mod:`derive.teach.exercise`) and its
problem sheet (:mod:`derive.teach.sheet`)."""
