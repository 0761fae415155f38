"""Liptako: the joint action plans of an alliance of states."""

__version__ = "0.1.0"
