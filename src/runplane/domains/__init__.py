"""Data domains shipped with Runplane, each registered through the public pipeline framework."""
