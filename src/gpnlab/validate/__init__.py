"""Validation: the stylised-facts battery (issue 10).

:mod:`gpnlab.validate.metrics` holds the metric functions, one module per fact family; each is
pure (pandas / numpy in, a tidy frame, a dict or a float out).
"""
