"""The PDF: the print document, WeasyPrint in worker processes, the
merge of parts, and the tagged structure (PDF/UA, PDF/A)."""
