"""What every page shares: security headers, CSRF, the templates and the number formats."""
