"""Tests of the data domains shipped with Runplane."""
