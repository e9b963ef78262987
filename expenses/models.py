"""Expense claims and budgets arrive with the "Expenses" issue."""
