"""[0] The edge: what every request and response passes before the access path.

`limits.py` refuses oversized or over-nested requests before anything parses
them; `headers.py` puts the security headers on every response.
"""
