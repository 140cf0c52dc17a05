"""Softphone engine on pjsua2."""
