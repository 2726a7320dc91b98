"""The table reader, installed as ``nbx11_data.readers``."""
