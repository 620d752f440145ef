"""The side-by-side difference lives with the FAQ texts it compares (faq.diff); kept here for changeflow's views."""

from faq.diff import side_by_side

__all__ = ["side_by_side"]
