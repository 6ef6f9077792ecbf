"""The bank's rules as pure functions of the domain, the policy and the regulation: no I/O, no UI, no services."""
