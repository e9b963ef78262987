from django.urls import path

from expenses import report_views, views

app_name = "expenses"

urlpatterns = [
    path("expenses/", views.expense_list, name="claim_list"),
    path("expenses/new/", views.expense_create, name="claim_create"),
    path("expenses/rides/", views.claim_from_rides, name="claim_from_rides"),
    path("expenses/<int:pk>/", views.expense_detail, name="claim_detail"),
    path("expenses/<int:pk>/edit/", views.expense_edit, name="claim_edit"),
    path("expenses/<int:pk>/submit/", views.expense_submit_view, name="claim_submit"),
    path("expenses/<int:pk>/delete/", views.expense_delete_view, name="claim_delete"),
    path("expenses/<int:pk>/receipt/", views.expense_receipt, name="claim_receipt"),
    path("finance/", views.dashboard, name="dashboard"),
    path("finance/claims/<int:pk>/approve/", views.approve_view, name="approve"),
    path("finance/claims/<int:pk>/reject/", views.reject_view, name="reject"),
    path("finance/claims/<int:pk>/pay/", views.pay_view, name="pay"),
    path("finance/budgets/", views.budget_list, name="budget_list"),
    path("finance/budgets/<int:pk>/", views.budget_edit, name="budget_edit"),
    path("finance/spend/", views.spend_list, name="spend_list"),
    path("finance/spend/<int:pk>/attachment/", views.spend_attachment, name="spend_attachment"),
    path("finance/rates/", views.rates_edit, name="rates"),
    path("finance/<int:start_year>/export.csv", views.export_csv, name="export"),
    path("finance/<int:start_year>/charts/<slug:name>.svg", views.chart, name="chart"),
    path("reports/costs/", report_views.costs_report, name="costs_report"),
    path("reports/costs/export.csv", report_views.costs_export, name="costs_export"),
    path("reports/costs/charts/<slug:name>.svg", report_views.costs_chart, name="costs_chart"),
]
