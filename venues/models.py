"""Community venues arrive with the "Courses" issue."""
