"""Tests of the FINRA OTC domain: real files, real databases, the real executor."""
