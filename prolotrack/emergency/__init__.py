"""Break-glass emergency access to another clinic's patient (ONC (d)(6), HIPAA (a)(2)(ii))."""
