"""Synthetic district at scale (规模测试): generator, loader and measurements."""
