"""Schedules: changing them, their timetables and parameter templates, the schedules file,
and the scheduler thread that fires due instants."""
