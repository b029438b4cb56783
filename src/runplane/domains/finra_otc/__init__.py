"""FINRA's weekly OTC transparency data: pipelines, their tables, and data-asset queries.

Registered through the `runplane.pipelines` entry point (`finra_otc.pipelines`), exactly
as a third-party package would register its own.
"""
