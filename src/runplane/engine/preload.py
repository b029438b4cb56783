"""Imported once by the executor's fork server, so every forked execution starts warm."""

from runplane.engine import runner  # noqa: F401  (imported for its side effect: warm modules)
from runplane.pipelines import registry
from runplane.settings import Settings

registry.load(Settings().pipeline_modules)
