# Django's zh_Hans groups digits by four with no separator (12345678.00), which no finance or sales
# team in mainland China reads amounts by: invoices, bank statements and ERP screens write
# 12,345,678.00. Everything not set here comes from Django's own zh_Hans formats.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
