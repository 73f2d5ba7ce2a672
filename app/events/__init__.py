"""Events an institution hosts: the call, tracks, questions, rubric, committee."""
