"""The monthly report for managers: its contents (`contents`), as CSV or XLSX (`formats`) or PDF (`pdf`)."""
