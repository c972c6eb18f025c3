"""External tools and limits: pandoc, resource limits, packaged resources."""
