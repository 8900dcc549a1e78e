from django.urls import path

from rapport.sales.views import (
    accounts,
    board,
    catalog,
    contracts,
    conversion,
    opportunities,
    orders,
    pipelines,
    quotas,
    quote_header,
    quotes,
    reports,
    returns,
    routing,
)

app_name = "sales"

urlpatterns = [
    path("", board.board, name="board"),
    path("board/<int:pipeline_id>/", board.board, name="pipeline_board"),
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunities.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", board.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/costs/", opportunities.cost_add, name="cost_add"),
    path("opportunities/<int:pk>/contacts/", opportunities.contact_add, name="contact_add"),
    path("opportunities/<int:pk>/competitors/", opportunities.competitor_add, name="competitor_add"),
    path("forecast/", reports.forecast_page, name="forecast"),
    path("forecast/export.csv", reports.forecast_export, name="forecast_export"),
    path("forecast/export.xlsx", reports.forecast_export, {"fmt": "xlsx"}, name="forecast_export_xlsx"),
    path("funnel/", reports.funnel_page, name="funnel"),
    path("quotas/", quotas.quota_page, name="quotas"),
]

# Lead routing (assignment rules) and lead conversion.
urlpatterns += [
    path("routing/", routing.rule_list, name="assignment_rules"),
    path("routing/new/", routing.rule_create, name="assignment_rule_create"),
    path("routing/reroute/", routing.leads_reroute, name="leads_reroute"),
    path("routing/<int:pk>/edit/", routing.rule_edit, name="assignment_rule_edit"),
    path("routing/<int:pk>/move/", routing.rule_move, name="assignment_rule_move"),
    path("routing/<int:pk>/delete/", routing.rule_delete, name="assignment_rule_delete"),
    path("leads/<int:pk>/convert/", conversion.lead_convert_page, name="lead_convert"),
]

# Quotes, orders, invoices and the account 360's sales panel.
urlpatterns += [
    path("quotes/", quotes.quote_list, name="quote_list"),
    path("quotes/new/", quotes.quote_create, name="quote_create"),
    path("quotes/<int:pk>/", quotes.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/header/", quote_header.quote_header, name="quote_header"),
    path("quotes/<int:pk>/header/edit/", quote_header.quote_header_edit, name="quote_header_edit"),
    path("quotes/<int:pk>/lines/", quotes.line_add, name="quote_line_add"),
    path("quotes/<int:pk>/lines/price/", quotes.line_price, name="quote_line_price"),
    path("quote-lines/<int:line_id>/", quotes.line_edit, name="quote_line_edit"),
    path("quote-lines/<int:line_id>/remove/", quotes.line_remove, name="quote_line_remove"),
    path("quotes/<int:pk>/answer/", quotes.quote_answer, name="quote_answer"),
    path("quotes/<int:pk>/revise/", quotes.quote_revise, name="quote_revise"),
    path("quotes/<int:pk>/send/", quotes.quote_send, name="quote_send"),
    path("quotes/<int:pk>/pdf/", quotes.quote_pdf, name="quote_pdf"),
    path("quotes/<int:pk>/order/", quotes.quote_order, name="quote_order"),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", orders.order_status, name="order_status"),
    path("orders/<int:pk>/invoice/", orders.invoice_create, name="invoice_create"),
    path("invoices/", orders.invoice_list, name="invoice_list"),
    path("invoices/<int:pk>/", orders.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/payments/", orders.payment_create, name="payment_create"),
    path("accounts/<int:pk>/sales/", accounts.account_sales, name="account_sales"),
]

# The catalogue: products and price books.
urlpatterns += [
    path("products/", catalog.product_list, name="product_list"),
    path("products/new/", catalog.product_create, name="product_create"),
    path("products/<int:pk>/", catalog.product_detail, name="product_detail"),
    path("price-books/", catalog.price_book_list, name="price_book_list"),
    path("price-books/new/", catalog.price_book_create, name="price_book_create"),
    path("price-books/<int:pk>/", catalog.price_book_detail, name="price_book_detail"),
    path("price-books/<int:pk>/prices/", catalog.price_set, name="price_set"),
]

# Contracts and their documents; returns of orders.
urlpatterns += [
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/new/", contracts.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/renew/", contracts.contract_renew, name="contract_renew"),
    path("contracts/<int:pk>/terminate/", contracts.contract_terminate, name="contract_terminate"),
    path("contracts/<int:pk>/documents/", contracts.contract_document_upload, name="contract_document_upload"),
    path("contracts/<int:pk>/documents/<int:document_id>/", contracts.contract_document_download, name="contract_document_download"),
    path("contracts/<int:pk>/documents/<int:document_id>/delete/", contracts.contract_document_delete, name="contract_document_delete"),
    path("accounts/<int:pk>/contracts/", contracts.account_contracts, name="account_contracts"),
    path("returns/", returns.return_list, name="return_list"),
    path("orders/<int:pk>/returns/", returns.order_returns, name="order_returns"),
    path("orders/<int:pk>/returns/new/", returns.return_create, name="return_create"),
    path("returns/<int:pk>/refund/", returns.return_refund, name="return_refund"),
    path("returns/<int:pk>/reject/", returns.return_reject, name="return_reject"),
]

# Setting up pipelines and their stages (administrators and sales managers).
urlpatterns += [
    path("pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", pipelines.pipeline_create, name="pipeline_create"),
    path("pipelines/<int:pk>/", pipelines.pipeline_settings, name="pipeline_settings"),
    path("pipelines/<int:pk>/stages/", pipelines.stage_create, name="stage_create"),
    path("stages/<int:pk>/edit/", pipelines.stage_edit, name="stage_edit"),
    path("stages/<int:pk>/move/", pipelines.stage_move, name="stage_move"),
    path("stages/<int:pk>/archive/", pipelines.stage_archive, name="stage_archive"),
    path("stages/<int:pk>/delete/", pipelines.stage_delete, name="stage_delete"),
]
