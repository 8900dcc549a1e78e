"""Service: the call centre's screen pop (who is calling, what they bought, what is open) and, next, cases."""
