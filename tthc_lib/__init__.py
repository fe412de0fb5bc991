"""tthc-report: báo cáo cải cách thủ tục hành chính from one-stop exports."""

__version__ = "0.1.0"
