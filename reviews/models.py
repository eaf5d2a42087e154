"""Verified-purchase reviews arrive with the reviews issue; the app is wired in now."""
