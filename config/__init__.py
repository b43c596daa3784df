"""Configuration: settings from the environment plus data files (YAML/CSV) in this folder."""

from config.settings import CONFIG_DIR, Settings, load_settings

__all__ = ["CONFIG_DIR", "Settings", "load_settings"]
