"""Programmes, courses and sessions arrive with the "Courses" issue."""
