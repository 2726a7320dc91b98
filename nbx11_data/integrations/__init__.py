"""Adapters that plug the tables into other libraries, each behind its own extra.

- :mod:`nbx11_data.integrations.syne_tune`: any table as a Syne Tune ``Blackbox`` (extra ``syne-tune``).

Example:
    >>> from nbx11_data.integrations import syne_tune
    >>> syne_tune.blackbox("nb311-yahpo").fidelity_values[:3]
    array([1, 2, 3])
"""
