"""Pure analytics: plain data in, results and charts out. No Django, no I/O."""
