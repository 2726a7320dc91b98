"""Build-time tooling, installed as ``nbx11_data.builder``: source loaders, training, table building.

Nothing on the reader path imports this package.
"""
