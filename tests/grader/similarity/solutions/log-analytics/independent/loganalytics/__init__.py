from loganalytics.analyze import EndpointStats, Report, analyze, normalize_endpoint

__all__ = ["EndpointStats", "Report", "analyze", "normalize_endpoint"]
