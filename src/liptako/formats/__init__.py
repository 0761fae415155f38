"""Date and number formats that differ from Django's (docs/decisions/0009-date-formats.md).

French uses Django's own formats ("6 novembre 2024", "09:30", "1 250 000"). English follows the
alliance's written usage rather than the United States': day before month, 24-hour clock.
"""
